package io.durability.crash;

import io.durability.codec.BytesCodec;
import io.durability.publish.CheckpointPublisher;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryOptions;
import io.durability.storage.DurabilityException;
import io.durability.testing.PowerLossDirectory;
import io.durability.walog.NextSegment;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalVerdict;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of simulated power cuts at random points of a workload (appends, syncs, rolls,
 * checkpoint publishes with truncation, resumes): each cut keeps, drops or tears (at 512-byte
 * sectors) every page no barrier covered, and keeps or undoes every unsynced create, rename and
 * delete; half of the cuts strike inside a barrier (part of its pages durable, no acknowledgement). After each cut: best-effort replay is a prefix of what was appended (no garbage, no
 * reordering, no hole), it holds every entry acknowledged by flushAndSync, recoverLatest agrees,
 * and resume continues right after it.
 *
 * <p>Scale with {@code -Dpowerloss.cuts=N} (default 2000) and {@code -Dpowerloss.seed=S}.
 */
class PowerLossTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(8192).withSaltSeed(7);

    @Test
    void everyAcknowledgedEntrySurvivesAndNothingElseAppears()
    {
        final int cuts = Integer.getInteger("powerloss.cuts", 2000);
        final long seed = Long.getLong("powerloss.seed", 20261125L);
        final SplittableRandom random = new SplittableRandom(seed);
        PowerLossDirectory dir = new PowerLossDirectory();
        final Set<Long> markers = new HashSet<>();
        long acked = 0;
        long totalAcked = 0;
        long lost = 0;
        long prefixViolations = 0;
        int cleanCloses = 0;
        int processCrashes = 0;
        int cut = 0;
        int midBarrier = 0;
        try
        {
            for (; cut < cuts; cut++)
            {
                final boolean failInside = random.nextBoolean();
                if (failInside)
                {
                    dir.failDuringBarrier(dir.barriers() + 1 + random.nextInt(8), random);
                }
                final boolean cleanClose = random.nextInt(4) == 0;
                WalWriter<byte[]> w = null;
                try
                {
                    // Mostly the next segment named ahead (INLINE: deterministic, so a cut lands on a named
                    // but unused file, between the seal and the header, or after it), sometimes created at
                    // the roll: a WAL written in one mode is resumed in the other too.
                    w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS.withNextSegment(
                        random.nextInt(4) == 0 ? NextSegment.AT_ROLL : NextSegment.INLINE));
                    assertTrue(w.lastEntryId() >= acked, "resume starts after every acknowledged entry");
                    final CheckpointPublisher<CrashEntries.State, byte[]> publisher = new CheckpointPublisher<>(
                        dir, w, CrashEntries.STATE_CODEC, CrashEntries::marker, "checkpoints");
                    CrashEntries.State state = recover(dir).state();
                    final int steps = random.nextInt(40);
                    for (int step = 0; step < steps; step++)
                    {
                        final int action = random.nextInt(20);
                        if (action < 16)
                        {
                            final long id = w.nextEntryId();
                            final byte[] e = CrashEntries.payload(id);
                            w.append(e);
                            state = state.apply(id, e);
                        }
                        else if (action < 19)
                        {
                            w.flushAndSync();
                            totalAcked += w.lastEntryId() - acked;
                            acked = w.lastEntryId();
                        }
                        else
                        {
                            final long marker = publisher.publish(state, w.lastEntryId()).markerEntryId();
                            markers.add(marker);
                            state = state.apply(marker, CrashEntries.marker("x", 0));
                            totalAcked += w.lastEntryId() - acked;
                            acked = w.lastEntryId();
                        }
                    }
                    if (cleanClose)
                    {
                        // A clean close makes everything durable and protected.
                        final long last = w.lastEntryId();
                        w.close();
                        totalAcked += last - acked;
                        acked = last;
                        cleanCloses++;
                    }
                    // Otherwise the writer is abandoned, as a crash leaves it: no close, no final barrier.
                }
                catch (final PowerLossDirectory.PowerFailure failure)
                {
                    midBarrier++;
                }
                if (!cleanClose && random.nextInt(3) == 0)
                {
                    // A process crash first (the page cache survives), then a resume and more work on it
                    // before the power cut: what only the page cache held must be made durable by the
                    // next barrier too.
                    dir = dir.processCrash();
                    processCrashes++;
                    try (WalWriter<byte[]> again = WalWriter.resume(dir, BytesCodec.INSTANCE,
                        OPTIONS.withNextSegment(NextSegment.INLINE)))
                    {
                        assertTrue(again.lastEntryId() >= acked, "resume after a process crash keeps every acknowledged entry");
                        for (int k = random.nextInt(5); k > 0; k--)
                        {
                            again.append(CrashEntries.payload(again.nextEntryId()));
                        }
                        if (random.nextBoolean())
                        {
                            again.flushAndSync();
                            totalAcked += again.lastEntryId() - acked;
                            acked = again.lastEntryId();
                        }
                        dir = dir.processCrash();
                    }
                    catch (final PowerLossDirectory.PowerFailure failure)
                    {
                        midBarrier++;
                    }
                }
                dir = dir.powerCut(random);
                final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
                if (verdict.state() == WalVerdict.State.CORRUPT)
                {
                    prefixViolations++;
                    fail("cut " + cut + ": a power cut was judged corruption: " + verdict.describe());
                }

                final List<WalRecord<byte[]>> records;
                try
                {
                    records = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayBestEffort();
                }
                catch (final DurabilityException ex)
                {
                    prefixViolations++;
                    throw new AssertionError("cut " + cut + ": best-effort replay failed: " + ex.getMessage(), ex);
                }
                long previous = records.isEmpty() ? 0 : records.get(0).entryId() - 1;
                for (final WalRecord<byte[]> r : records)
                {
                    final byte[] p = r.payload();
                    final boolean ok = r.entryId() == previous + 1 && (CrashEntries.isMarker(p) ?
                        validMarker(r.entryId(), p) : Arrays.equals(CrashEntries.payload(r.entryId()), p));
                    if (ok && CrashEntries.isMarker(p))
                    {
                        markers.add(r.entryId()); // also markers whose publish the cut interrupted
                    }
                    if (!ok)
                    {
                        prefixViolations++;
                        fail("cut " + cut + ": entry " + r.entryId() + " is not the next entry of the stream");
                    }
                    previous = r.entryId();
                }
                if (previous < acked)
                {
                    lost += acked - previous;
                    fail("cut " + cut + ": acknowledged through " + acked + " but recovered through " + previous);
                }
                final Recovered<CrashEntries.State> recovered = recover(dir);
                assertEquals(previous, recovered.lastEntryId(), "cut " + cut);
                assertEquals(model(previous, markers), recovered.state(), "cut " + cut);
                // Entries past the recovered end were never acknowledged; forget them.
                final long end = previous;
                markers.removeIf(m -> m > end);
                acked = Math.min(acked, end);
            }
        }
        finally
        {
            System.out.printf("power-loss: cuts=%d mid-barrier=%d clean-closes=%d process-crashes=%d acked=%d lost=%d " +
                "prefix-violations=%d seed=%d%n", cut, midBarrier, cleanCloses, processCrashes, totalAcked, lost,
                prefixViolations, seed);
        }
    }

    /**
     * Group commit under power cuts: each life resumes with a background sync policy (continuous, every
     * 200 µs, every 32 entries or 1 ms, every 4 KiB or 1 ms), appends in bursts while the syncer
     * barriers beside it, sometimes publishes a checkpoint (its flushAndSync and truncation run beside
     * the syncer) or waits for an id to be durable; half the lives arm a power failure inside one of
     * the next barriers (the syncer's, mostly: part of its pages durable, the writer poisoned, every
     * waiter failed), a third crash the process first. The cut itself lands wherever the syncer is.
     * After each cut: every id {@code lastDurableId()} reported before the cut is recovered, best
     * effort is a gapless prefix of byte-exact entries, the verdict is never corruption, and recovery
     * agrees with the model. Scale with {@code -Dpowerloss.groupCuts=N} (default 400).
     */
    @Test
    void everyIdReportedDurableBySyncerSurvives() throws Exception
    {
        final int cuts = Integer.getInteger("powerloss.groupCuts", 400);
        final long seed = Long.getLong("powerloss.seed", 20261125L);
        final SplittableRandom random = new SplittableRandom(seed ^ 0x9C);
        final SyncPolicy[] policies = {
            SyncPolicy.continuous(), SyncPolicy.every(Duration.ofNanos(200_000)),
            SyncPolicy.everyEntries(32).withMaxDelay(Duration.ofMillis(1)),
            SyncPolicy.everyBytes(4096).withMaxDelay(Duration.ofMillis(1))};
        PowerLossDirectory dir = new PowerLossDirectory();
        final Set<Long> markers = new HashSet<>();
        long reported = 0;
        long totalReported = 0;
        long lost = 0;
        int poisoned = 0;
        int processCrashes = 0;
        int cut = 0;
        try
        {
            for (; cut < cuts; cut++)
            {
                final SyncPolicy policy = policies[random.nextInt(policies.length)];
                final WalOptions options = OPTIONS.withSyncPolicy(policy).withNextSegment(NextSegment.INLINE);
                if (random.nextBoolean())
                {
                    dir.failDuringBarrier(dir.barriers() + 1 + random.nextInt(12), random);
                }
                long durableBeforeCut = 0;
                WalWriter<byte[]> w = null;
                try
                {
                    w = WalWriter.resume(dir, BytesCodec.INSTANCE, options);
                    assertTrue(w.lastEntryId() >= reported, "resume keeps every id reported durable");
                    final CheckpointPublisher<CrashEntries.State, byte[]> publisher = new CheckpointPublisher<>(
                        dir, w, CrashEntries.STATE_CODEC, CrashEntries::marker, "checkpoints");
                    CrashEntries.State state = recover(dir).state();
                    final int bursts = 1 + random.nextInt(12);
                    for (int b = 0; b < bursts; b++)
                    {
                        for (int k = random.nextInt(60); k >= 0; k--)
                        {
                            final long id = w.nextEntryId();
                            final byte[] e = CrashEntries.payload(id);
                            w.append(e);
                            state = state.apply(id, e);
                        }
                        final int action = random.nextInt(10);
                        if (action == 0)
                        {
                            final long marker = publisher.publish(state, w.lastEntryId()).markerEntryId();
                            markers.add(marker);
                            state = state.apply(marker, CrashEntries.marker("x", 0));
                        }
                        else if (action < 3)
                        {
                            w.awaitDurable(w.lastEntryId(), 10, TimeUnit.SECONDS);
                        }
                        else if (action < 6)
                        {
                            Thread.sleep(0, 50_000 * random.nextInt(10));
                        }
                        durableBeforeCut = Math.max(durableBeforeCut, w.lastDurableId());
                    }
                }
                catch (final PowerLossDirectory.PowerFailure failure)
                {
                    poisoned++; // on this thread: inside a publish's own barrier
                }
                catch (final DurabilityException ex)
                {
                    // The syncer's barrier met the power failure: the writer is poisoned, waiters failed.
                    assertTrue(ex.getMessage().contains("poisoned") || ex.getMessage().contains("never be reported durable"),
                        ex.getMessage());
                    poisoned++;
                }
                if (w != null)
                {
                    durableBeforeCut = Math.max(durableBeforeCut, w.lastDurableId());
                }
                if (random.nextInt(3) == 0 && (w == null || !w.metrics().poisoned()))
                {
                    // A process crash first (the page cache survives): the next life's syncer must make
                    // what only the page cache held durable before it reports it.
                    final PowerLossDirectory crashed = dir.processCrash();
                    abandon(w);
                    dir = crashed;
                    processCrashes++;
                    w = null;
                    try
                    {
                        w = WalWriter.resume(dir, BytesCodec.INSTANCE, options);
                        for (int k = random.nextInt(40); k > 0; k--)
                        {
                            w.append(CrashEntries.payload(w.nextEntryId()));
                        }
                        if (random.nextBoolean())
                        {
                            w.awaitDurable(w.lastEntryId(), 10, TimeUnit.SECONDS);
                        }
                        durableBeforeCut = Math.max(durableBeforeCut, w.lastDurableId());
                    }
                    catch (final PowerLossDirectory.PowerFailure | DurabilityException failure)
                    {
                        poisoned++;
                    }
                }
                if (w != null)
                {
                    durableBeforeCut = Math.max(durableBeforeCut, w.lastDurableId());
                }
                final List<String> unsynced = dir.unsyncedNameOps();
                final PowerLossDirectory after = dir.powerCut(random);
                abandon(w);
                dir = after;
                totalReported += Math.max(0, durableBeforeCut - reported);
                reported = Math.max(reported, durableBeforeCut);

                final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
                assertNotEquals(WalVerdict.State.CORRUPT, verdict.state(),
                    "cut " + cut + " (" + policy + "): a power cut was judged corruption: " + verdict.describe() +
                    " (folder operations no sync covered: " + unsynced + ")");
                final List<WalRecord<byte[]>> records = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayBestEffort();
                long previous = records.isEmpty() ? 0 : records.get(0).entryId() - 1;
                for (final WalRecord<byte[]> r : records)
                {
                    final byte[] p = r.payload();
                    assertEquals(previous + 1, r.entryId(), "cut " + cut + ": no hole, no reordering");
                    if (CrashEntries.isMarker(p))
                    {
                        assertTrue(validMarker(r.entryId(), p), "cut " + cut + ": marker " + r.entryId());
                        markers.add(r.entryId());
                    }
                    else
                    {
                        assertArrayEquals(CrashEntries.payload(r.entryId()), p, "cut " + cut + ": entry " + r.entryId());
                    }
                    previous = r.entryId();
                }
                if (previous < reported)
                {
                    lost += reported - previous;
                    fail("cut " + cut + " (" + policy + "): reported durable through " + reported + ", recovered through " +
                        previous + ": " + verdict.describe());
                }
                final Recovered<CrashEntries.State> recovered = recover(dir);
                assertEquals(previous, recovered.lastEntryId(), "cut " + cut);
                assertEquals(model(previous, markers), recovered.state(), "cut " + cut);
                final long end = previous;
                markers.removeIf(m -> m > end);
                reported = Math.min(reported, end);
            }
        }
        finally
        {
            System.out.printf("power-loss group-commit: cuts=%d poisoned=%d process-crashes=%d reported-durable=%d lost=%d " +
                "seed=%d%n", cut, poisoned, processCrashes, totalReported, lost, seed);
        }
        assertTrue(totalReported > 0, "the syncers reported progress");
    }

    /** Close a writer whose directory a cut or a crash replaced (its syncer must not outlive it). */
    private static void abandon(final WalWriter<byte[]> w)
    {
        if (w == null)
        {
            return;
        }
        try
        {
            w.close();
        }
        catch (final RuntimeException ignored)
        {
            // What the old directory does now no longer matters.
        }
    }

    /** A marker is whole when it names the checkpoint path the publisher uses for its last id. */
    private static boolean validMarker(final long entryId, final byte[] p)
    {
        final long lastId = CrashEntries.markerLastId(p);
        return lastId < entryId && CrashEntries.markerPath(p).equals(String.format("checkpoints/checkpoint-%020d.chk", lastId));
    }

    private static Recovered<CrashEntries.State> recover(final PowerLossDirectory dir)
    {
        return CrashLoopTest.spec(OPTIONS).withOptions(RecoveryOptions.bestEffort()).recoverLatest(dir);
    }

    private static CrashEntries.State model(final long last, final Set<Long> markers)
    {
        CrashEntries.State s = CrashEntries.State.EMPTY;
        for (long id = 1; id <= last; id++)
        {
            if (!markers.contains(id))
            {
                s = new CrashEntries.State(s.count() + 1, CrashEntries.mix(s.hash() ^ id));
            }
        }
        return s;
    }
}
