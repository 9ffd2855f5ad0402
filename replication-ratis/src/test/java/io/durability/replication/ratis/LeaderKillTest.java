package io.durability.replication.ratis;

import io.durability.testing.ChildJvms;
import io.durability.walog.WalRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Three members in three child JVMs; a writer in this JVM keeps appending while the leader is
 * SIGKILLed mid-stream. A new leader takes over within a bounded time, the writer goes on, the killed
 * member restarts and catches up, and every member holds every acknowledged entry exactly once, in
 * order, under its acknowledged id.
 */
class LeaderKillTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x5EED_17L);
    /** The bound on a failover here: an election timeout of 2-4 s, a vote, the writer's retry, on a loaded 2-core machine. */
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);
    @TempDir
    Path root;
    private final Process[] processes = new Process[3];
    private final int[] starts = new int[3];

    @AfterEach
    void cleanUp()
    {
        for (final Process p : processes)
        {
            if (p != null)
            {
                p.destroyForcibly();
            }
        }
        for (final Process p : processes)
        {
            if (p != null)
            {
                try
                {
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private Process start(final List<Peer> peers, final int i) throws IOException, InterruptedException
    {
        final String spec = peers.stream().map(Peer::toString).collect(Collectors.joining(","));
        final Path dir = root.resolve(peers.get(i).id());
        Files.createDirectories(dir);
        final List<String> command = ChildJvms.command(ReplicaServerMain.class, "192m", peers.get(i).id(), spec,
            dir.toString(), "--segment-bytes", String.valueOf(Replicas.WAL.segmentCapacity()), "--election-ms", "2000", "4000");
        command.add(1, "-XX:+UseSerialGC");
        final Process p = new ProcessBuilder(command)
            .redirectError(root.resolve(peers.get(i).id() + "-" + (++starts[i]) + ".stderr").toFile())
            .start();
        processes[i] = p;
        if (!ReplicaServerMain.awaitStarted(p, peers.get(i).id(), 60, TimeUnit.SECONDS))
        {
            fail("member " + peers.get(i).id() + " did not start within 60 s; its stderr: " + stderrTail(peers.get(i)));
        }
        return p;
    }

    private String stderrTail(final Peer peer)
    {
        try
        {
            final int i = Integer.parseInt(peer.id().substring(1)) - 1;
            final List<String> lines = Files.readAllLines(root.resolve(peer.id() + "-" + starts[i] + ".stderr")).stream()
                .filter(l -> !l.startsWith("\tat ") && !l.contains("CANCELLED")).collect(Collectors.toList());
            return String.join("\n", lines.subList(0, Math.min(lines.size(), 40)));
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex + ")";
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLeaderKilledMidStreamLosesNoAcknowledgedEntryAndDuplicatesNone() throws Exception
    {
        final int total = Replicas.appends(600);
        final int killAfter = total / 3;
        final List<Peer> peers = Replicas.loopbackPeers(3);
        for (int i = 0; i < 3; i++)
        {
            start(peers, i);
        }
        final Map<Long, byte[]> sent = new ConcurrentHashMap<>();
        final Map<Long, Long> acked = new ConcurrentHashMap<>();
        final AtomicLong lastAckNanos = new AtomicLong();
        final AtomicLong killNanos = new AtomicLong();
        final AtomicLong firstAckAfterKill = new AtomicLong();
        final AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        final CountDownLatch killPoint = new CountDownLatch(1);
        try (ReplicatedWal wal = ReplicatedWal.connect(peers, Replicas.options()))
        {
            final Thread writer = new Thread(() ->
            {
                try
                {
                    final List<CompletableFuture<Long>> window = new ArrayList<>();
                    final long[] sentNanos = new long[total + 1];
                    for (long n = 1; n <= total; n++)
                    {
                        sent.put(n, Replicas.payload(SEED, n));
                        sentNanos[(int)n] = System.nanoTime();
                        window.add(wal.append(sent.get(n)));
                        if (window.size() == 8 || n == total)
                        {
                            final long base = n - window.size() + 1;
                            for (int k = 0; k < window.size(); k++)
                            {
                                acked.put(base + k, window.get(k).get(90, TimeUnit.SECONDS));
                                final long now = System.nanoTime();
                                lastAckNanos.set(now);
                                final long kill = killNanos.get();
                                if (kill != 0 && sentNanos[(int)(base + k)] - kill > 0)
                                {
                                    // the first append sent after the kill: the new leader committed it
                                    firstAckAfterKill.compareAndSet(0, now);
                                }
                            }
                            window.clear();
                            if (acked.size() >= killAfter)
                            {
                                killPoint.countDown();
                            }
                        }
                    }
                }
                catch (final Throwable t)
                {
                    writerFailure.set(t);
                    killPoint.countDown();
                }
            }, "replicated-writer");
            writer.start();
            assertTrue(killPoint.await(120, TimeUnit.SECONDS), "the writer reached the kill point");
            assertNull(writerFailure.get(), () -> "writer failed before the kill: " + writerFailure.get());
            final String leaderId = wal.leaderId();
            assertNotNull(leaderId, "the writer knows the leader");
            final int leader = peers.indexOf(peers.stream().filter(p -> p.id().equals(leaderId)).findFirst().orElseThrow());
            final long ackedAtKill = acked.size();
            killNanos.set(System.nanoTime());
            processes[leader].destroyForcibly();   // SIGKILL on Linux
            assertTrue(processes[leader].waitFor(30, TimeUnit.SECONDS), "the killed leader exited");

            writer.join(TimeUnit.SECONDS.toMillis(180));
            assertFalse(writer.isAlive(), "the writer finished");
            assertNull(writerFailure.get(), () -> "writer failed: " + writerFailure.get());
            final long failoverMillis = TimeUnit.NANOSECONDS.toMillis(firstAckAfterKill.get() - killNanos.get());
            assertTrue(firstAckAfterKill.get() != 0 && failoverMillis < FAILOVER_BOUND.toMillis(),
                "a new leader acknowledged within " + FAILOVER_BOUND.toSeconds() + " s of the kill: " + failoverMillis + " ms");
            final String newLeader = wal.leaderId();
            assertNotEquals(leaderId, newLeader, "another member leads");

            final long restartNanos = System.nanoTime();
            start(peers, leader);
            try
            {
                Replicas.await("every member with " + total + " entries", Duration.ofSeconds(60), () ->
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
            }
            catch (final AssertionError ex)
            {
                final StringBuilder sizes = new StringBuilder();
                for (int i = 0; i < 3; i++)
                {
                    sizes.append(peers.get(i).id()).append('=')
                        .append(Replicas.read(root.resolve(peers.get(i).id()).resolve("store")).size()).append(' ');
                }
                throw new AssertionError(ex.getMessage() + "; entries: " + sizes + "; the restarted member's stderr:\n" +
                    stderrTail(peers.get(leader)), ex);
            }
            final long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartNanos);
            final List<List<WalRecord<ReplicatedEntry>>> wals = new ArrayList<>();
            int lost = 0;
            int duplicated = 0;
            for (int i = 0; i < 3; i++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(root.resolve(peers.get(i).id()).resolve("store"));
                final Replicas.Check check = Replicas.check(peers.get(i).id(), entries, acked, sent);
                lost += check.lost();
                duplicated += check.duplicated();
                assertEquals(total, check.entries(), "every append exactly once on " + peers.get(i).id());
                wals.add(entries);
            }
            assertEquals(0, lost, "lost");
            assertEquals(0, duplicated, "duplicated");
            Replicas.assertSameEntries(peers.get(0).id(), wals.get(0), peers.get(1).id(), wals.get(1));
            Replicas.assertSameEntries(peers.get(0).id(), wals.get(0), peers.get(2).id(), wals.get(2));
            System.out.printf("replication leader-kill: seed=%d acknowledged=%d lost=%d duplicated=%d killed=%s after %d acks, " +
                    "new leader=%s, failover=%d ms (kill to the ack of the first append sent after it), writer resent %d requests, " +
                    "restarted member caught up in %d ms%n",
                SEED, acked.size(), lost, duplicated, leaderId, ackedAtKill, newLeader, failoverMillis, wal.resentRequests(),
                catchUpMillis);
        }
    }
}
