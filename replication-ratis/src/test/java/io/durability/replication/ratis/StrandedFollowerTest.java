package io.durability.replication.ratis;

import io.durability.walog.WalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A follower that stopped at the last entry of a term, while the new term's leader snapshots and
 * purges every segment before its own: the follower asks for the first entry the leader still has,
 * whose previous entry neither the leader's log nor its snapshot knows. Ratis 3.2.2's appender fails
 * there and never sends to that follower again (the {@link SnapshotSafeGrpc} class comment); ours sends
 * the snapshot, and the follower catches up.
 */
class StrandedFollowerTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x57A4DL);

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFollowerStoppedAtATermsLastEntryCatchesUpAfterTheNextTermPurgedItsLog(@TempDir final Path root) throws Exception
    {
        // Small Raft segments, a snapshot every 100 Raft entries; one append per request, so entries count plainly.
        final ReplicationOptions options = Replicas.options().withRaftSegmentBytes(64 * 1024).withSnapshotEvery(100)
            .withBatching(1, 16 * 1024).withRequestsInFlight(1);
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        try (LocalGroup group = new LocalGroup(3, root, options))
        {
            final int firstLeader = group.awaitLeader(Duration.ofSeconds(30));
            long n = 0;
            try (ReplicatedWal wal = ReplicatedWal.connect(group.peers, options))
            {
                for (int i = 0; i < 40; i++)
                {
                    n++;
                    sent.put(n, Replicas.payload(SEED, n));
                    acked.put(n, wal.appendAndWait(sent.get(n)));
                }
            }
            group.awaitEntries(n, Duration.ofSeconds(30));
            final int follower = (firstLeader + 1) % 3;
            final long followerEnd = group.servers[follower].lastAppliedIndex();
            group.stop(follower);
            // A new term: the leader restarts, the two running members elect one (its log starts a new segment).
            group.stop(firstLeader);
            group.start(firstLeader);
            final int leader = group.awaitLeader(Duration.ofSeconds(60));
            try (ReplicatedWal wal = ReplicatedWal.connect(group.peers, options))
            {
                // Enough for the new leader to snapshot past the old term and purge its segments (not the new one).
                for (int i = 0; i < 160; i++)
                {
                    n++;
                    sent.put(n, Replicas.payload(SEED, n));
                    acked.put(n, wal.appendAndWait(sent.get(n)));
                }
            }
            final long leaderStart = group.servers[leader].raftLogStartIndex();
            assertEquals(followerEnd + 1, leaderStart, "the leader purged up to the stopped follower's last entry " +
                followerEnd + " (its new term's segment starts after it)");
            group.start(follower);
            final long total = n;
            try
            {
                Replicas.await("the restarted follower holding all " + total + " entries", Duration.ofSeconds(90),
                    () -> group.servers[follower].stateMachine().lastEntryId() >= total);
            }
            catch (final AssertionError ex)
            {
                throw new AssertionError(ex.getMessage() + " (it has " + group.servers[follower].stateMachine().lastEntryId() +
                    "; it stopped at Raft index " + followerEnd + ", the leader's log starts at " + leaderStart + ")", ex);
            }
            final List<WalRecord<ReplicatedEntry>> caughtUp = Replicas.read(group.storeDir(follower));
            final Replicas.Check check = Replicas.check("restarted follower", caughtUp, acked, sent);
            assertEquals(0, check.lost());
            assertEquals(0, check.duplicated());
            Replicas.assertSameEntries("leader", Replicas.read(group.storeDir(leader)), "restarted follower", caughtUp);
            System.out.printf("replication stranded follower: seed=%d the follower stopped at Raft index %d, the new " +
                "leader's log starts at %d: caught up with all %d entries, lost=0 duplicated=0%n", SEED, followerEnd,
                leaderStart, total);
        }
    }
}
