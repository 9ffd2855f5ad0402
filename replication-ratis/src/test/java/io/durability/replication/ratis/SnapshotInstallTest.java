package io.durability.replication.ratis;

import io.durability.walog.WalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A follower stopped while the others append past several snapshots, and purge their Raft logs
 * beyond what it has: on restart it is notified, fetches exactly the WAL entries it lacks from a peer
 * (nothing it had travels again), writes a checkpoint, then goes on from the log, to the same entries
 * and the same state.
 */
class SnapshotInstallTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x5EED_17L);
    @TempDir
    Path root;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFollowerBehindThePurgedLogFetchesTheEntriesItLacksAndCatchesUp() throws Exception
    {
        final int first = 100;
        final int whileAway = Replicas.appends(1_500);
        // One append per Raft entry (no batching): snapshots every 100 Raft entries are then every 100 appends.
        final ReplicationOptions options = Replicas.options().withSnapshotEvery(100).withRaftSegmentBytes(64 * 1024)
            .withBatching(1, 32 * 1024);
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        try (LocalGroup group = new LocalGroup(3, root, options);
            ReplicatedWal wal = ReplicatedWal.connect(group.peers, group.options))
        {
            group.awaitLeader(Duration.ofSeconds(30));
            long n = Replicas.appendInWindows(wal, SEED, 32, sent, acked, 0, first);
            group.awaitEntries(n, Duration.ofSeconds(30));
            final int leader = group.awaitLeader(Duration.ofSeconds(30));
            final int away = (leader + 1) % 3;
            final long awayIndex = group.servers[away].lastAppliedIndex();
            final long awayEntries = group.servers[away].stateMachine().lastEntryId();
            group.stop(away);

            n = Replicas.appendInWindows(wal, SEED, 32, sent, acked, n, whileAway);
            final long target = n;
            group.awaitEntries(target, Duration.ofSeconds(30));
            Replicas.await("the running members' Raft logs purged past the stopped one's index " + awayIndex,
                Duration.ofSeconds(30), () ->
                {
                    for (int i = 0; i < 3; i++)
                    {
                        if (i != away && group.servers[i].raftLogStartIndex() <= awayIndex + 1)
                        {
                            return false;
                        }
                    }
                    return true;
                });
            final long leaderLogStart = group.servers[group.awaitLeader(Duration.ofSeconds(30))].raftLogStartIndex();

            final long restart = System.nanoTime();
            group.start(away);
            group.awaitEntries(target, Duration.ofSeconds(60));
            final long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart);
            final ReplicaServer returned = group.servers[away];
            // Its own Raft log is purged up to the catch-up's position by Ratis, asynchronously: printed, not asserted.
            final long returnedStart = returned.raftLogStartIndex();
            assertTrue(Files.list(group.storeDir(away).resolve(WalStateMachine.CHECKPOINT_DIR)).findAny().isPresent(),
                "the catch-up's checkpoint is in the returned member's folder");
            // The catch-up counts itself complete after the entries are in the WAL and Ratis's log has its
            // position (awaitRaftLogWritten): a moment after the entries are seen, so waited for, not asserted at once.
            Replicas.await("the returned member's catch-up to complete (counts when the wait began: entries, bytes, catch-ups " +
                java.util.Arrays.toString(returned.stateMachine().catchUpCounts()) + ")", Duration.ofSeconds(30),
                () -> returned.stateMachine().catchUpCounts()[2] >= 1);
            final long[] fetched = returned.stateMachine().catchUpCounts();
            assertTrue(returned.stateMachine().state().lastIndex() >= leaderLogStart - 1,
                "its state reaches the leader's log start: " + returned.stateMachine().state().lastIndex() + " >= " + (leaderLogStart - 1));
            // Every entry it lacked came by catch-up or by its log, never one it had.
            assertTrue(fetched[0] > 0 && fetched[0] <= target - awayEntries,
                "fetched " + fetched[0] + " entries; it lacked " + (target - awayEntries));
            Replicas.await("the catch-up marker removed", Duration.ofSeconds(30),
                () -> !Files.exists(group.storeDir(away).resolve(WalStateMachine.CATCHING_UP_MARKER)));

            Replicas.await("every member at the same Raft index", Duration.ofSeconds(30), () ->
                group.servers[0].lastAppliedIndex() == group.servers[1].lastAppliedIndex() &&
                    group.servers[1].lastAppliedIndex() == group.servers[2].lastAppliedIndex());
            final List<List<WalRecord<ReplicatedEntry>>> wals = new ArrayList<>();
            for (int r = 0; r < 3; r++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(group.storeDir(r));
                final Replicas.Check check = Replicas.check(group.peers.get(r).id(), entries, acked, sent);
                assertEquals(0, check.lost());
                assertEquals(0, check.duplicated());
                assertEquals(target, check.entries());
                wals.add(entries);
            }
            Replicas.assertSameEntries(group.peers.get(leader).id(), wals.get(leader), group.peers.get(away).id(), wals.get(away));
            assertEquals(group.servers[leader].stateMachine().state(), returned.stateMachine().state(),
                "same replica state (last applied, last id, retryable requests)");
            System.out.printf("replication snapshot-install: seed=%d acknowledged=%d lost=0 duplicated=0 stopped at index %d, " +
                    "leader's log starts at %d, returned member's log starts at %d, fetched %d entries (%d bytes; it lacked %d) in %d catch-ups, caught up in %d ms%n",
                SEED, acked.size(), awayIndex, leaderLogStart, returnedStart, fetched[0], fetched[1],
                target - awayEntries, returned.stateMachine().catchUpCounts()[2], catchUpMillis);
        }
    }
}
