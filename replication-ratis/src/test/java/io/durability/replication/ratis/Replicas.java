package io.durability.replication.ratis;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** What the replication tests share: loopback peers on free ports, options for 2 cores, reading and checking replica WALs. */
final class Replicas
{
    /** Small WAL segments: a test's WAL rolls, and a snapshot ships little. */
    static final WalOptions WAL = WalOptions.defaults().withSegmentCapacity(256 * 1024);

    private Replicas()
    {
    }

    /** Options for tests on a shared 2-core machine: Ratis's timeouts raised, small segments. */
    static ReplicationOptions options()
    {
        return ReplicationOptions.defaults()
            .withElectionTimeout(Duration.ofSeconds(2), Duration.ofSeconds(4))
            .withRequestTimeout(Duration.ofSeconds(5))
            .withAppendTimeout(Duration.ofSeconds(60))
            .withWalOptions(WAL);
    }

    /** @return the default count, or {@code -Dreplication.appends=N} when set (the long run). */
    static int appends(final int defaultCount)
    {
        final int n = Integer.getInteger("replication.appends", 0);
        return n > 0 ? n : defaultCount;
    }

    /** @return {@code count} peers n1..nN on 127.0.0.1, each on a port free now. */
    static List<Peer> loopbackPeers(final int count)
    {
        final List<Peer> peers = new ArrayList<>();
        for (int i = 1; i <= count; i++)
        {
            peers.add(new Peer("n" + i, "127.0.0.1", freePort()));
        }
        return peers;
    }

    static int freePort()
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The payload of the {@code n}th append of a test: unique (it starts with n) and seeded. */
    /**
     * Append {@code count} seeded payloads after number {@code from}, {@code window} in flight then all
     * awaited (60 s each), recording what was sent and the id each was acknowledged with.
     *
     * @return the number of the last append.
     */
    static long appendInWindows(
        final ReplicatedWal wal, final long seed, final int window, final Map<Long, byte[]> sent, final Map<Long, Long> acked,
        final long from, final int count) throws Exception
    {
        final List<java.util.concurrent.CompletableFuture<Long>> inFlight = new ArrayList<>();
        long n = from;
        for (int i = 0; i < count; i++)
        {
            n++;
            sent.put(n, payload(seed, n));
            inFlight.add(wal.append(sent.get(n)));
            if (inFlight.size() == window || i == count - 1)
            {
                final long base = n - inFlight.size() + 1;
                for (int k = 0; k < inFlight.size(); k++)
                {
                    acked.put(base + k, inFlight.get(k).get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
                inFlight.clear();
            }
        }
        return n;
    }

    static byte[] payload(final long seed, final long n)
    {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(seed ^ (n * 0x9E3779B97F4A7C15L));
        final byte[] bytes = new byte[8 + random.nextInt(16, 256)];
        random.nextBytes(bytes);
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(n >>> (8 * i));
        }
        return bytes;
    }

    /** @return the number of the append whose payload this is. */
    static long appendNumber(final byte[] payload)
    {
        long n = 0;
        for (int i = 7; i >= 0; i--)
        {
            n = (n << 8) | (payload[i] & 0xFF);
        }
        return n;
    }

    /** Every entry of a replica's WAL (read beside its writer, another MmapDirectory instance on the folder). */
    static List<WalRecord<ReplicatedEntry>> read(final Path storeDir)
    {
        if (!Files.exists(storeDir.resolve(WAL.walDir())))
        {
            return List.of();
        }
        try (MmapDirectory dir = MmapDirectory.open(storeDir))
        {
            return new WalReader<>(dir, ReplicatedEntry.CODEC, WAL).replay(ReplayMode.STRICT);
        }
    }

    /** Every entry of a stopped replica's WAL, after resume (what a restart would see). */
    static List<WalRecord<ReplicatedEntry>> readStopped(final Path storeDir)
    {
        try (MmapDirectory dir = MmapDirectory.open(storeDir))
        {
            WalWriter.resume(dir, ReplicatedEntry.CODEC, WAL).close();
            return new WalReader<>(dir, ReplicatedEntry.CODEC, WAL).replay(ReplayMode.STRICT);
        }
    }

    /** Wait for {@code condition}, failing with {@code what} after {@code timeout}. */
    static void await(final String what, final Duration timeout, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** The outcome of checking replicas against what was acknowledged. */
    record Check(int entries, int lost, int duplicated)
    {
    }

    /**
     * Assert that a replica's WAL holds every acknowledged append exactly once, under the id it was
     * acknowledged with, byte-exact, ids 1..n contiguous, Raft indexes increasing (entries of one Raft
     * entry, a writer's batch, share its index), each writer's sequences increasing, no payload twice.
     *
     * @param acked append number -> acknowledged id.
     * @param sent  append number -> payload, for every append sent (acknowledged or not).
     */
    static Check check(final String replica, final List<WalRecord<ReplicatedEntry>> wal, final Map<Long, Long> acked,
        final Map<Long, byte[]> sent)
    {
        final Map<Long, Long> idOfAppend = new HashMap<>();
        int duplicated = 0;
        final Map<Long, Long> lastSequence = new HashMap<>();
        ReplicatedEntry previous = null;
        for (int i = 0; i < wal.size(); i++)
        {
            final WalRecord<ReplicatedEntry> r = wal.get(i);
            assertEquals(i + 1, r.entryId(), replica + ": ids are contiguous from 1");
            final ReplicatedEntry e = r.payload();
            final ReplicatedEntry before = previous;
            assertTrue(before == null || e.index() > before.index() ||
                    e.index() == before.index() && e.clientId() == before.clientId() && e.term() == before.term(),
                () -> replica + ": Raft indexes increase (a batch shares one): entry " + r.entryId() + " " + e + " after " + before);
            previous = e;
            final Long last = lastSequence.put(e.clientId(), e.sequence());
            assertTrue(last == null || e.sequence() > last, () -> replica + ": writer " + e.clientId() +
                "'s sequences increase: entry " + r.entryId() + " has sequence " + e.sequence() + " after " + last);
            final long n = appendNumber(r.payload().payload());
            final byte[] expected = sent.get(n);
            assertNotNull(expected, replica + ": entry " + r.entryId() + " is an append that was sent");
            assertArrayEquals(expected, r.payload().payload(), replica + ": entry " + r.entryId() + " byte-exact");
            if (idOfAppend.put(n, r.entryId()) != null)
            {
                duplicated++;
            }
        }
        int lost = 0;
        for (final Map.Entry<Long, Long> a : acked.entrySet())
        {
            final Long id = idOfAppend.get(a.getKey());
            if (id == null)
            {
                lost++;
            }
            else
            {
                assertEquals(a.getValue(), id, replica + ": append " + a.getKey() + " under its acknowledged id");
            }
        }
        return new Check(wal.size(), lost, duplicated);
    }

    /** Assert two replicas hold the same entries (ids, Raft coordinates, request identity, bytes). */
    static void assertSameEntries(final String a, final List<WalRecord<ReplicatedEntry>> left, final String b,
        final List<WalRecord<ReplicatedEntry>> right)
    {
        assertEquals(left.size(), right.size(), a + " and " + b + " hold as many entries");
        for (int i = 0; i < left.size(); i++)
        {
            final ReplicatedEntry x = left.get(i).payload();
            final ReplicatedEntry y = right.get(i).payload();
            assertEquals(left.get(i).entryId(), right.get(i).entryId());
            assertTrue(x.term() == y.term() && x.index() == y.index() && x.clientId() == y.clientId() &&
                x.sequence() == y.sequence() && Arrays.equals(x.payload(), y.payload()),
                a + " and " + b + " differ at entry " + left.get(i).entryId() + ": " + x + " / " + y);
        }
    }
}
