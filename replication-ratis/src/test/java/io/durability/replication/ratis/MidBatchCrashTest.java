package io.durability.replication.ratis;

import io.durability.testhook.CrashPoints;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A member halted (as by SIGKILL) inside the apply of a batch: some of the Raft entry's appends are in
 * its WAL, the rest are not. On restart it must apply the rest, never skip them (the old rule, "the
 * last WAL entry's Raft index is applied", would) and never write the first ones twice.
 */
class MidBatchCrashTest
{
    private static final long SEED = Long.getLong("replication.seed", 0xBA7C4L);
    private final List<NemesisMember> members = new ArrayList<>();

    @TempDir
    Path root;

    @AfterEach
    void stop()
    {
        members.forEach(NemesisMember::destroy);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMemberHaltedInsideABatchAppliesItsRestOnceOnRestart() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final int total = Replicas.appends(8_000);
        final int haltAfter = 20 + random.nextInt(200);
        final List<Peer> peers = Replicas.loopbackPeers(3);
        final List<String> args = List.of("--segment-bytes", String.valueOf(Replicas.WAL.segmentCapacity()),
            "--election-ms", "2000", "4000");
        for (final Peer p : peers)
        {
            members.add(new NemesisMember(p, peers, root, args));
        }
        members.get(0).start(60, "-Ddurability.crashpoint=" + WalStateMachine.CRASH_APPLY_MID_BATCH,
            "-Ddurability.crashpoint.after=" + haltAfter);
        members.get(1).start(60);
        members.get(2).start(60);
        final Map<Long, byte[]> sent = new ConcurrentHashMap<>();
        final Map<Long, Long> acked = new ConcurrentHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Semaphore inFlight = new Semaphore(256);
        try (ReplicatedWal wal = ReplicatedWal.connect(peers, Replicas.options()))
        {
            final Thread writer = new Thread(() ->
            {
                try
                {
                    for (long n = 1; n <= total && failure.get() == null; n++)
                    {
                        inFlight.acquire();
                        final long number = n;
                        sent.put(n, Replicas.payload(SEED, n));
                        wal.append(sent.get(n)).whenComplete((id, error) ->
                        {
                            if (error != null)
                            {
                                failure.compareAndSet(null, error);
                            }
                            else
                            {
                                acked.put(number, id);
                            }
                            inFlight.release();
                        });
                    }
                    inFlight.acquire(256);
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            }, "replicated-writer");
            writer.start();
            assertEquals(CrashPoints.HALT_STATUS, members.get(0).awaitExit(120),
                "n1 halted at " + WalStateMachine.CRASH_APPLY_MID_BATCH + " within 120 s (-1: still running)");
            final String leaderAtHalt = wal.leaderId();
            final int[] tail = lastEntryAfterInBatch(root.resolve("n1").resolve("store"));
            assertTrue(tail[1] > 0, "n1's WAL ends inside a Raft entry: its last entry has " + tail[1] +
                " entries after it (last id " + tail[0] + ")");
            members.get(0).start(60);
            writer.join(TimeUnit.SECONDS.toMillis(180));
            assertFalse(writer.isAlive(), "the writer finished");
            assertNull(failure.get(), () -> "an append failed: " + failure.get());
            assertEquals(total, acked.size());
            Replicas.await("every member with " + total + " entries", Duration.ofSeconds(90), () ->
            {
                for (int i = 0; i < 3; i++)
                {
                    if (Replicas.read(root.resolve(peers.get(i).id()).resolve("store")).size() < total)
                    {
                        return false;
                    }
                }
                return true;
            });
            final List<List<WalRecord<ReplicatedEntry>>> wals = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(root.resolve(peers.get(i).id()).resolve("store"));
                final Replicas.Check check = Replicas.check(peers.get(i).id(), entries, acked, sent);
                assertEquals(0, check.lost(), "lost on " + peers.get(i).id());
                assertEquals(0, check.duplicated(), "duplicated on " + peers.get(i).id());
                assertEquals(total, check.entries(), "every append exactly once on " + peers.get(i).id());
                wals.add(entries);
            }
            Replicas.assertSameEntries("n1", wals.get(0), "n2", wals.get(1));
            Replicas.assertSameEntries("n1", wals.get(0), "n3", wals.get(2));
            System.out.printf("replication mid-batch halt: seed=%d n1 (%s) halted at its batch append %d, its WAL ending at " +
                    "entry %d with %d of its Raft entry's appends not yet written; restarted: acknowledged=%d lost=0 " +
                    "duplicated=0 members identical%n", SEED, "n1".equals(leaderAtHalt) ? "the leader" : "a follower",
                haltAfter, tail[0], tail[1], acked.size());
        }
    }

    /** @return {last entry id, its count of entries after it in its Raft entry} of a stopped member's WAL. */
    private static int[] lastEntryAfterInBatch(final Path store)
    {
        final int[] last = new int[2];
        try (MmapDirectory dir = MmapDirectory.open(store))
        {
            new WalReader<>(dir, ReplicatedEntry.CODEC, Replicas.WAL).replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
            {
                last[0] = (int)id;
                last[1] = ReplicatedEntry.afterInBatch(buffer, offset);
            });
        }
        return last;
    }
}
