/**
 * {@link io.durability.codec.Codec}: values encoded straight into, and decoded straight out of, the
 * frame's memory. Codecs must be deterministic (equal values, equal bytes), bounded (never write past
 * the room they are given) and robust (any bytes decode to a value or to a {@code DECODE} error).
 */
package io.durability.codec;
