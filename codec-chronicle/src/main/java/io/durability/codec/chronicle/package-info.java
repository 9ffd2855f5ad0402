/**
 * Optional adapter: Chronicle Bytes {@code BytesMarshallable} types as WAL entries or checkpoint
 * states, serialized straight into the frame's memory. Applications that do not use it never load
 * Chronicle and need none of its JVM flags.
 */
package io.durability.codec.chronicle;
