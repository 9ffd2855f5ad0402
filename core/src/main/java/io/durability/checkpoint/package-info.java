/**
 * CRC-validated checkpoint files: one snapshot per file, deterministic bytes, a hard cap on the
 * payload length checked before allocating, written atomically and, in the durable variant, with
 * file and folder syncs.
 *
 * <h2>Invariants (must not change without a format bump)</h2>
 * A 40-byte header (magic {@code DURBLCKP}, version 1, last applied id, payload length, payload
 * CRC32C, header CRC32C), then the payload; the file is exactly header + payload. See
 * {@link io.durability.checkpoint.CheckpointDescriptor} and {@code docs/FORMAT.md}.
 *
 * <h2>Recovery posture</h2>
 * A file is either valid as a whole or rejected with an error naming what is wrong (short,
 * oversized, bad magic, unsupported version, corrupt header or payload). Whether a rejected
 * checkpoint is fatal is recovery's decision ({@code io.durability.recover}).
 */
package io.durability.checkpoint;
