package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import io.durability.walog.WalRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A writer's group commit: appends issued faster than the group commits ride together in requests,
 * each is acknowledged with its own id in the order it was appended, and the writer's back-pressure
 * bound is explicit (a bounded wait, then a failed future; never an unbounded block).
 */
class GroupCommitReplicationTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x6C0FFEEL);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void appendsIssuedTogetherRideInFewRequestsAndAreAcknowledgedInOrder(@TempDir final Path root) throws Exception
    {
        final int n = Replicas.appends(4_000);
        final ReplicationOptions options = Replicas.options().withBatching(256, 64 * 1024).withRequestsInFlight(2);
        try (LocalGroup group = new LocalGroup(3, root, options); ReplicatedWal wal = ReplicatedWal.connect(group.peers, options))
        {
            group.awaitLeader(Duration.ofSeconds(30));
            final Map<Long, byte[]> sent = new HashMap<>();
            final List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (long i = 1; i <= n; i++)
            {
                sent.put(i, Replicas.payload(SEED, i));
                futures.add(wal.append(sent.get(i)));
            }
            final Map<Long, Long> acked = new HashMap<>();
            for (int i = 0; i < n; i++)
            {
                acked.put(i + 1L, futures.get(i).get(60, TimeUnit.SECONDS));
                assertEquals(i + 1L, acked.get(i + 1L), "one writer on a new group: the i-th append is entry i");
            }
            assertEquals(n, wal.appendsSent());
            assertTrue(wal.requestsSent() < n / 4, "appends queued behind requests in flight ride together: " +
                wal.requestsSent() + " requests for " + n + " appends");
            assertTrue(wal.requestsSent() >= n / 256, "no request carries more than 256 appends: " + wal.requestsSent());
            assertEquals(0, wal.pendingAppends());
            group.awaitEntries(n, Duration.ofSeconds(60));
            final List<WalRecord<ReplicatedEntry>> first = Replicas.read(group.storeDir(0));
            for (int r = 0; r < 3; r++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(group.storeDir(r));
                final Replicas.Check check = Replicas.check(group.peers.get(r).id(), entries, acked, sent);
                assertEquals(0, check.lost());
                assertEquals(0, check.duplicated());
                assertEquals(n, check.entries());
                Replicas.assertSameEntries("n1", first, group.peers.get(r).id(), entries);
            }
            long batches = 1;
            for (int i = 1; i < first.size(); i++)
            {
                if (first.get(i).payload().index() != first.get(i - 1).payload().index())
                {
                    batches++;
                }
            }
            assertTrue(batches < n / 4, "the WAL holds several entries per Raft index: " + batches + " Raft entries");
            System.out.printf("replication group commit: seed=%d appends=%d requests=%d raft-entries=%d (%.1f appends each) " +
                "lost=0 duplicated=0 in-order%n", SEED, n, wal.requestsSent(), batches, (double)n / batches);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void atTheBackPressureBoundAnAppendWaitsItsBoundThenFailsAndCloseAnswersEveryAppend() throws Exception
    {
        // Nobody listens on these ports: nothing is ever acknowledged, appends stay queued or in flight.
        final List<Peer> nobody = Replicas.loopbackPeers(3);
        final ReplicationOptions base = Replicas.options().withAppendTimeout(Duration.ofSeconds(30));
        try (ReplicatedWal wal = ReplicatedWal.connect(nobody, base.withBackPressure(4, 1 << 20, Duration.ofMillis(300))))
        {
            final List<CompletableFuture<Long>> held = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                held.add(wal.append(new byte[] {(byte)i}));
            }
            assertEquals(4, wal.pendingAppends());
            final long start = System.nanoTime();
            final CompletableFuture<Long> refused = wal.append(new byte[] {9});
            final long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(refused.isCompletedExceptionally(), "the fifth append is refused at the bound");
            final ExecutionException ex = assertThrows(ExecutionException.class, refused::get);
            final DurabilityException d = assertInstanceOf(DurabilityException.class, ex.getCause());
            assertEquals(DurabilityException.Kind.INVALID_STATE, d.kind());
            assertTrue(d.getMessage().contains("back-pressure") && d.getMessage().contains("not sent"), d.getMessage());
            assertTrue(waitedMillis >= 250, "it waited for room first (" + waitedMillis + " ms)");
            assertEquals(4, wal.pendingAppends(), "the refused append holds no room");
            for (final CompletableFuture<Long> f : held)
            {
                assertFalse(f.isDone(), "nothing acknowledges them");
            }
            wal.close();
            for (final CompletableFuture<Long> f : held)
            {
                final ExecutionException closed = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertEquals(DurabilityException.Kind.INVALID_STATE, ((DurabilityException)closed.getCause()).kind());
                assertTrue(closed.getCause().getMessage().contains("closed before"), closed.getCause().getMessage());
            }
            assertTrue(wal.append(new byte[1]).isCompletedExceptionally(), "a closed writer refuses appends");
            assertEquals(DurabilityException.Kind.INVALID_CONFIG, assertThrows(DurabilityException.class, () -> wal.append(null)).kind());
        }
        try (ReplicatedWal wal = ReplicatedWal.connect(nobody, base.withBackPressure(2, 1 << 20, Duration.ZERO)))
        {
            wal.append(new byte[1]);
            wal.append(new byte[1]);
            final CompletableFuture<Long> atOnce = wal.append(new byte[1]);
            assertTrue(atOnce.isCompletedExceptionally(), "a zero wait refuses at once, without blocking");
        }
        try (ReplicatedWal wal = ReplicatedWal.connect(nobody, base.withBackPressure(1000, 100, Duration.ZERO)))
        {
            assertFalse(wal.append(new byte[60]).isDone());
            assertTrue(wal.append(new byte[60]).isCompletedExceptionally(), "the byte bound holds too");
            assertEquals(1, wal.pendingAppends());
        }
        try (ReplicatedWal wal = ReplicatedWal.connect(nobody, base.withBackPressure(1000, 100, Duration.ZERO)))
        {
            assertFalse(wal.append(new byte[500]).isDone(), "one append larger than the bound is let in alone");
        }
    }
}
