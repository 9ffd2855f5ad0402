package io.durability.crash;

import io.durability.codec.BytesCodec;
import io.durability.testhook.CrashPoints;
import io.durability.recover.CheckpointRef;
import io.durability.recover.Recovered;
import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a forked writer JVM with SIGKILL at random moments, and halts it at every named crash
 * point, again and again on the same folder; after each death, recovers in-process and checks the
 * failure model for process crashes: strict replay succeeds (a killed process leaves whole frames
 * only), ids are contiguous, every payload is byte-exact, everything reported durable is there,
 * recoverLatest equals a reference model, and resume continues at the next id.
 *
 * <p>Scale with {@code -Dcrash.cycles=N} (default 100 SIGKILL cycles) and {@code -Dcrash.seed=S};
 * {@code -Dcrash.points=a,b} limits the crash points (empty: none).
 */
class CrashLoopTest
{
    static final int SYNC_EVERY = 64;
    static final int PUBLISH_EVERY = 5_000;
    static final int SEGMENT = 64 * 1024;
    static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT);

    /** Every crash point the default run exercises, and at which hit it halts. */
    static final List<String> CRASH_POINTS = List.of(
        CrashPoints.FRAME_AFTER_PAYLOAD, CrashPoints.FRAME_MID_HEADER, CrashPoints.FRAME_BEFORE_COMMIT,
        CrashPoints.AHEAD_AFTER_NAMED, CrashPoints.ROLL_AFTER_SEAL, CrashPoints.ROLL_AFTER_CREATE,
        CrashPoints.ROLL_AFTER_HEADER, CrashPoints.PREALLOCATE_MID,
        CrashPoints.ATOMIC_WRITE_BEFORE_RENAME, CrashPoints.PUBLISH_AFTER_CHECKPOINT, CrashPoints.PUBLISH_AFTER_MARKER,
        CrashPoints.PUBLISH_AFTER_MARKER_SYNC, CrashPoints.TRUNCATE_MID);

    @TempDir
    Path root;
    private final Set<Long> markerIds = new HashSet<>();
    private long acked;
    private long maxDurable;
    private long lost;
    private long garbage;
    private long reordered;
    private long verifyFailures;

    /** Recovery of the crash workload's state (strict), for {@code options}' WAL. */
    static io.durability.recover.RecoverySpec<CrashEntries.State, CrashEntries.State, byte[]> spec(final WalOptions options)
    {
        return io.durability.recover.RecoverySpec.<CrashEntries.State, CrashEntries.State, byte[]>of(
                CrashEntries.STATE_CODEC, BytesCodec.INSTANCE, c -> c.orElse(CrashEntries.State.EMPTY),
                (s, id, e) -> s.apply(id, e))
            .withMarkers(CrashLoopTest::markerOf).withWalOptions(options);
    }

    static CheckpointRef markerOf(final byte[] entry)
    {
        return CrashEntries.isMarker(entry) ?
            new CheckpointRef(CrashEntries.markerPath(entry), CrashEntries.markerLastId(entry)) : null;
    }

    private Process startWriter(final String crashPoint, final int after) throws IOException
    {
        // Zero-fill preallocation writes 64 KiB chunks: a segment larger than that is "mid" somewhere; fallocate
        // (the default) halts after its one call, before the file is handed out.
        final int segment = CrashPoints.PREALLOCATE_MID.equals(crashPoint) ? 4 * 1024 * 1024 : SEGMENT;
        return startWriter(crashPoint, after, segment);
    }

    private Process startWriter(final String crashPoint, final int after, final int segment) throws IOException
    {
        return startWriter(crashPoint, after, segment, "manual");
    }

    private Process startWriter(final String crashPoint, final int after, final int segment, final String policy)
        throws IOException
    {
        final List<String> cmd = new ArrayList<>(List.of(
            System.getProperty("java.home") + "/bin/java",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (crashPoint != null)
        {
            cmd.add("-Ddurability.crashpoint=" + crashPoint);
            cmd.add("-Ddurability.crashpoint.after=" + after);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
            root.toString(), String.valueOf(SYNC_EVERY), String.valueOf(PUBLISH_EVERY), String.valueOf(segment), policy));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Reads the child's reports until it dies, recording what it said was durable. */
    private Thread reader(final Process p, final AtomicLong durable, final AtomicLong started)
    {
        final Thread t = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    final String[] parts = line.split(" ");
                    final long v = Long.parseLong(parts[1]);
                    switch (parts[0])
                    {
                        case "durable" -> durable.accumulateAndGet(v, Math::max);
                        case "marker" ->
                        {
                            synchronized (markerIds)
                            {
                                markerIds.add(v);
                            }
                        }
                        case "started" -> started.set(v);
                        default -> throw new IllegalStateException("unexpected report: " + line);
                    }
                }
            }
            catch (final IOException ignored)
            {
                // the pipe closes when the child dies
            }
        }, "crash-writer-reports");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void runOnce(final String crashPoint, final int after, final long killAfterMillis) throws Exception
    {
        runOnce(crashPoint, after, killAfterMillis, null);
    }

    /** @param policy the child's sync policy (see {@link CrashWriter}); null: manual, flushAndSync every 64. */
    private void runOnce(final String crashPoint, final int after, final long killAfterMillis, final String policy)
        throws Exception
    {
        final AtomicLong durable = new AtomicLong();
        final AtomicLong started = new AtomicLong(-1);
        final Process p = policy == null ? startWriter(crashPoint, after) : startWriter(crashPoint, after, SEGMENT, policy);
        final Thread reports;
        try
        {
            reports = reader(p, durable, started);
            if (crashPoint == null)
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (started.get() < 0 && p.isAlive() && System.nanoTime() < deadline)
                {
                    Thread.sleep(1);
                }
                Thread.sleep(killAfterMillis);
                p.destroyForcibly();
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), crashPoint == null ? "the killed writer did not exit within 60 s" :
                "the writer did not halt at crash point " + crashPoint + " (hit " + after + ") within 60 s: is it still on " +
                "the path the writer takes?");
        }
        finally
        {
            // A writer that never reached its crash point must not outlive the test (it appends forever).
            p.destroyForcibly();
        }
        reports.join(10_000);
        if (crashPoint != null)
        {
            assertEquals(CrashPoints.HALT_STATUS, p.exitValue(), "writer halted at " + crashPoint);
        }
        acked += Math.max(0, durable.get() - maxDurable);
        maxDurable = Math.max(maxDurable, durable.get());
        verify(crashPoint == null ? "SIGKILL" : crashPoint);
    }

    private void verify(final String how)
    {
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            final List<WalRecord<byte[]>> strict;
            try
            {
                strict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay(ReplayMode.STRICT);
            }
            catch (final DurabilityException ex)
            {
                verifyFailures++;
                throw new AssertionError("after " + how + ": strict replay failed: " + ex.getMessage(), ex);
            }
            final List<WalRecord<byte[]>> bestEffort = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayBestEffort();
            assertEquals(strict.size(), bestEffort.size(), "after " + how + ": strict and best effort agree");
            long previous = strict.isEmpty() ? 0 : strict.get(0).entryId() - 1;
            for (final WalRecord<byte[]> r : strict)
            {
                if (r.entryId() != previous + 1)
                {
                    reordered++;
                }
                previous = r.entryId();
                final byte[] e = r.payload();
                if (CrashEntries.isMarker(e))
                {
                    synchronized (markerIds)
                    {
                        markerIds.add(r.entryId());
                    }
                }
                else if (!Arrays.equals(CrashEntries.payload(r.entryId()), e))
                {
                    garbage++;
                }
            }
            final long last = previous;
            if (last < maxDurable)
            {
                lost += maxDurable - last;
            }
            assertEquals(0, reordered, "after " + how + ": ids contiguous");
            assertEquals(0, garbage, "after " + how + ": every payload byte-exact");
            assertEquals(0, lost, "after " + how + ": everything reported durable is present (durable " +
                maxDurable + ", recovered " + last + ")");

            final Recovered<CrashEntries.State> recovered = spec(OPTIONS).recoverLatest(dir);
            assertEquals(last, recovered.lastEntryId());
            assertEquals(model(last), recovered.state(), "after " + how + ": recoverLatest equals the model");

            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                assertEquals(last + 1, w.nextEntryId(), "after " + how + ": resume continues");
            }
        }
    }

    private CrashEntries.State model(final long last)
    {
        CrashEntries.State s = CrashEntries.State.EMPTY;
        synchronized (markerIds)
        {
            for (long id = 1; id <= last; id++)
            {
                if (!markerIds.contains(id))
                {
                    s = new CrashEntries.State(s.count() + 1, CrashEntries.mix(s.hash() ^ id));
                }
            }
        }
        return s;
    }

    /**
     * Group commit: the child never calls flushAndSync; its syncer thread does the barriers (policies
     * in turn: continuous, every 1 ms, every 256 entries or 2 ms) and the ack path prints
     * {@code durable N}. Killed at random moments, and halted inside a background barrier (the
     * syncer thread halts the JVM between syncing the folder and forcing the segment): every entry
     * ever reported durable is there, whole, in order, exactly once.
     * {@code -Dcrash.groupCycles=N} (default 100).
     */
    @Test
    void killedBesideItsSyncerEveryReportedDurableEntrySurvives() throws Exception
    {
        final int cycles = Integer.getInteger("crash.groupCycles", 100);
        final long seed = Long.getLong("crash.seed", 20261125L);
        final SplittableRandom random = new SplittableRandom(seed ^ 0x6C);
        final String[] policies = {"continuous", "every:1000", "entries:256:2000"};
        int kills = 0;
        int halts = 0;
        try
        {
            for (int i = 0; i < 3; i++)
            {
                runOnce(CrashPoints.BARRIER_BEFORE_FORCE, 1 + random.nextInt(200), 0, policies[i]);
                halts++;
            }
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                runOnce(null, 0, random.nextInt(400), policies[cycle % policies.length]);
                kills++;
            }
        }
        finally
        {
            System.out.printf("crash-loop group-commit: cycles=%d kills=%d halts=%d durable=%d lost=%d garbage=%d " +
                "reordered=%d verify-failures=%d seed=%d%n", kills + halts, kills, halts, acked, lost, garbage, reordered,
                verifyFailures, seed);
        }
        assertTrue(maxDurable > 0, "the syncer reported progress");
    }

    @Test
    void killedAgainAndAgainTheWalRecoversEveryTime() throws Exception
    {
        final int cycles = Integer.getInteger("crash.cycles", 100);
        final long seed = Long.getLong("crash.seed", 20261125L);
        final SplittableRandom random = new SplittableRandom(seed);
        int kills = 0;
        int halts = 0;
        try
        {
            final String only = System.getProperty("crash.points");
            final List<String> points = only == null ? CRASH_POINTS :
                only.isEmpty() ? List.of() : List.of(only.split(","));
            for (final String point : points)
            {
                final int after = point.startsWith("frame.") ? 1 + random.nextInt(20_000) : 1 + random.nextInt(2);
                runOnce(point, after, 0);
                halts++;
            }
            for (int cycle = 0; cycle < cycles; cycle++)
            {
                runOnce(null, 0, random.nextInt(400));
                kills++;
            }
        }
        finally
        {
            System.out.printf("crash-loop: cycles=%d kills=%d halts=%d acked=%d lost=%d garbage=%d reordered=%d " +
                "verify-failures=%d seed=%d%n", kills + halts, kills, halts, acked, lost, garbage, reordered,
                verifyFailures, seed);
        }
        assertTrue(maxDurable > 0, "the writer made progress");
    }
}
