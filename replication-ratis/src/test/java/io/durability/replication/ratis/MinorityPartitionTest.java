package io.durability.replication.ratis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * With two of three members stopped (the leader alone is a minority), an append is not
 * acknowledged and nothing is written; when they return the group goes on, the waiting append is
 * acknowledged once, and every earlier acknowledged entry is still on every member.
 */
class MinorityPartitionTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x5EED_17L);
    @TempDir
    Path root;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void appendsAreNotAcknowledgedWithoutAMajorityAndNothingIsLostWhenItReturns() throws Exception
    {
        final int before = Replicas.appends(100);
        final int after = before / 2;
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        try (LocalGroup group = new LocalGroup(3, root, Replicas.options());
            ReplicatedWal wal = ReplicatedWal.connect(group.peers, group.options))
        {
            group.awaitLeader(Duration.ofSeconds(30));
            long n = 0;
            for (int i = 0; i < before; i++)
            {
                n++;
                sent.put(n, Replicas.payload(SEED, n));
                acked.put(n, wal.append(sent.get(n)).get(30, TimeUnit.SECONDS));
            }
            group.awaitEntries(before, Duration.ofSeconds(30));
            final int leader = group.awaitLeader(Duration.ofSeconds(30));
            for (int i = 0; i < 3; i++)
            {
                if (i != leader)
                {
                    group.stop(i);
                }
            }
            final long waiting = ++n;
            sent.put(waiting, Replicas.payload(SEED, waiting));
            final long stoppedAt = System.nanoTime();
            final CompletableFuture<Long> pending = wal.append(sent.get(waiting));
            Thread.sleep(8_000);
            assertFalse(pending.isDone(), "no acknowledgement without a majority: " + pending);
            assertEquals(before, group.servers[leader].stateMachine().lastEntryId(),
                "nothing uncommitted is written to the leader's WAL");
            final long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);

            for (int i = 0; i < 3; i++)
            {
                if (i != leader)
                {
                    group.start(i);
                }
            }
            final long back = System.nanoTime();
            acked.put(waiting, pending.get(60, TimeUnit.SECONDS));
            final long resumedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
            for (int i = 0; i < after; i++)
            {
                n++;
                sent.put(n, Replicas.payload(SEED, n));
                acked.put(n, wal.append(sent.get(n)).get(30, TimeUnit.SECONDS));
            }
            group.awaitEntries(n, Duration.ofSeconds(60));
            int lost = 0;
            int duplicated = 0;
            for (int r = 0; r < 3; r++)
            {
                final Replicas.Check check = Replicas.check(group.peers.get(r).id(), Replicas.read(group.storeDir(r)), acked, sent);
                assertEquals(n, check.entries(), "every append once on " + group.peers.get(r).id());
                lost += check.lost();
                duplicated += check.duplicated();
            }
            assertEquals(0, lost);
            assertEquals(0, duplicated);
            System.out.printf("replication minority: seed=%d acknowledged=%d lost=%d duplicated=%d " +
                    "not-acknowledged-while-minority=%d ms, acknowledged %d ms after the majority returned%n",
                SEED, acked.size(), lost, duplicated, waitedMillis, resumedMillis);
        }
    }
}
