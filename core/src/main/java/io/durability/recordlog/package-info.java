/**
 * Append-only record log: one fixed-capacity, CRC-framed file, with strict and best-effort reads and
 * {@code flushAndSync}. It is the seed's {@code recordlog} on the shared frame layer.
 *
 * <h2>Recovery posture</h2>
 * Strict reads fail on any damage. Best-effort reads stop at a torn tail: a bad frame at or above
 * the file's durable watermark, or a header whose creation never completed; damage below the
 * watermark is corruption and an error. {@link io.durability.recordlog.RecordLogWriter#open} cuts a
 * torn tail back to the last whole record and zeroes what follows.
 */
package io.durability.recordlog;
