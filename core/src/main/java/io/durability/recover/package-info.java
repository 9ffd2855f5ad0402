/**
 * Recovery: a checkpoint plus the WAL after it. {@link io.durability.recover.Recovery} is generic
 * over checkpoint, state and entry types; {@link io.durability.recover.RecoveryManager} applies the
 * seed's segment-index {@link io.durability.walog.WalEntry} operations.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Entries after the checkpoint's last applied id are applied once each, in id order, and must
 *   continue it without a hole; a hole is an error, never a silently incomplete state.</li>
 *   <li>Checkpoint paths read from WAL markers are confined to the directory before anything opens
 *   them.</li>
 * </ul>
 *
 * <h2>Recovery posture</h2>
 * Strict: any damage (WAL or checkpoint) is an error. Best effort: a torn WAL tail is tolerated,
 * and an unreadable checkpoint is replaced by an older marker's checkpoint or by the WAL from entry
 * 1 when the WAL still has it; corruption of durable WAL data is still an error.
 * {@code recoverLatest} starts from the newest marker whose checkpoint exists (markers are appended
 * only after their checkpoint is durable, see {@code io.durability.publish}).
 */
package io.durability.recover;
