/**
 * A replicated write-ahead log on Apache Ratis (Raft): every replica keeps the same entries, under
 * the same ids, in its own {@link io.durability.walog.WalWriter WAL} on an
 * {@link io.durability.storage.mmap.MmapDirectory}.
 *
 * <h2>Invariants (a change to them is a change of {@link io.durability.replication.ratis.ReplicatedEntry#VERSION})</h2>
 * <ul>
 *   <li>Every WAL entry of a replica is one committed user entry of the Raft log, in Raft log order,
 *   its payload preceded by the header {@link io.durability.replication.ratis.ReplicatedEntry}
 *   describes (Raft term and index, client id, request sequence). Configuration, no-op and metadata
 *   entries of the Raft log are never written to the WAL.</li>
 *   <li>An entry's WAL id is its position among user entries (1, 2, ...): the same on every replica.</li>
 *   <li>A request (client id, sequence) is written at most once: a retried request that is already
 *   in the WAL completes with the id it got the first time.</li>
 * </ul>
 *
 * <h2>Recovery posture</h2>
 * The Raft log (Ratis's, fsynced before an entry counts toward a majority) is the source of truth
 * until a snapshot; a replica's WAL is synced by every snapshot, before Ratis may purge its log. On
 * restart a replica resumes its WAL, learns the last Raft index it applied from the WAL's last entry
 * (or its newest checkpoint, when later) and Ratis re-applies the rest.
 */
package io.durability.replication.ratis;
