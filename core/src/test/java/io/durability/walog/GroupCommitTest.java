package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.BarrierThreadsDirectory;
import io.durability.testing.PowerLossDirectory;
import io.durability.testing.SyncRecordingDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Background sync policies and durable acknowledgement ({@link SyncPolicy}, {@link WalWriter#lastDurableId()},
 * {@link WalWriter#awaitDurable}, {@link WalWriter#whenDurable}, {@link DurabilityListener}): every
 * policy makes every entry durable without a barrier on the appending thread, reports only what a
 * power cut keeps, fails every waiter when a barrier fails and never retries, and closes durably.
 * No assertion depends on speed: waits are bounded by generous timeouts, and the checks are of what
 * happened, not of how long it took. Seeds are fixed and printed ({@code -Dseed=} to change).
 */
@Timeout(120)
public class GroupCommitTest
{
    private static final long SEED = Long.getLong("seed", 20261201L);
    private static final long WAIT_S = 30;

    /** @return the durable directory the tests run on; the mmap module runs them on real files. */
    protected Directory newDirectory()
    {
        return new SyncRecordingDirectory();
    }

    static Stream<SyncPolicy> policies()
    {
        return Stream.of(
            SyncPolicy.continuous(),
            SyncPolicy.every(Duration.ofMillis(1)),
            SyncPolicy.everyEntries(50).withMaxDelay(Duration.ofMillis(2)),
            SyncPolicy.everyBytes(8192).withMaxDelay(Duration.ofMillis(2)));
    }

    private static WalOptions options(final SyncPolicy policy)
    {
        return WalOptions.defaults().withSegmentCapacity(64 * 1024).withSaltSeed(11).withSyncPolicy(policy);
    }

    private static byte[] payload(final long id)
    {
        final byte[] b = new byte[40 + (int)(id % 61)];
        for (int i = 0; i < b.length; i++)
        {
            b[i] = (byte)(id * 31 + i);
        }
        return b;
    }

    @ParameterizedTest
    @MethodSource("policies")
    void everyEntryBecomesDurableWithNoBarrierOnTheAppendingThread(final SyncPolicy policy) throws Exception
    {
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        final List<Long> told = new CopyOnWriteArrayList<>();
        final WalOptions options = options(policy).withDurabilityListener(told::add);
        final long last;
        final List<String> sealed = new ArrayList<>();
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            final CompletableFuture<Long> early = w.whenDurable(1);
            long segment = w.currentSegmentId();
            for (long id = 1; id <= 3000; id++)
            {
                assertEquals(id, w.append(payload(id)));
                if (w.currentSegmentId() != segment)
                {
                    sealed.add(WalLayout.segmentPath(options.walDir(), segment));
                    segment = w.currentSegmentId();
                }
            }
            last = w.lastEntryId();
            assertTrue(w.awaitDurable(last, WAIT_S, TimeUnit.SECONDS), policy + ": entry " + last + " durable in time");
            assertEquals(1L, early.get(WAIT_S, TimeUnit.SECONDS));
            assertEquals(last, w.whenDurable(last).getNow(-1L), "a future for a durable entry is complete at once");
            assertTrue(w.lastDurableId() >= last);
            assertEquals(w.lastDurableId(), w.metrics().acknowledgedEntryId());
            assertTrue(sealed.size() >= 3, "the run rolls: " + sealed.size());
            assertTrue(w.metrics().barriers() > 0);
            final String me = Thread.currentThread().getName();
            assertFalse(dir.byThread().containsKey(me), policy + ": barriers by thread " + dir.byThread());
            final List<String> events = dir.events();
            for (final String path : sealed)
            {
                assertTrue(events.contains("syncfile " + path), policy + ": sealed " + path + " synced: " + events);
            }
            assertTrue(events.stream().anyMatch(e -> e.startsWith("syncdir ")), "the folder synced after rolls");
        }
        for (int i = 1; i < told.size(); i++)
        {
            assertTrue(told.get(i) > told.get(i - 1), "the listener sees increasing ids: " + told);
        }
        assertFalse(told.isEmpty());
        assertEquals(last, told.get(told.size() - 1), "the listener heard the last id (at the latest at close)");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void whatIsReportedDurableSurvivesAPowerCutAtAnyInstant(final SyncPolicy policy) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED ^ policy.kind().ordinal());
        System.out.println("whatIsReportedDurableSurvivesAPowerCutAtAnyInstant " + policy + " seed=" + SEED);
        PowerLossDirectory dir = new PowerLossDirectory();
        long appended = 0;
        long reported = 0;
        for (int cut = 0; cut < 25; cut++)
        {
            final WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options(policy));
            assertTrue(w.lastEntryId() >= reported, "resume keeps every entry reported durable");
            appended = w.lastEntryId();
            final int steps = 1 + random.nextInt(400);
            for (int i = 0; i < steps; i++)
            {
                w.append(payload(w.nextEntryId()));
                if (random.nextInt(50) == 0)
                {
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
            if (random.nextInt(4) == 0)
            {
                w.awaitDurable(w.lastEntryId(), WAIT_S, TimeUnit.SECONDS);
            }
            // The cut lands wherever the syncer is: between barriers, or inside one.
            final long durableBeforeCut = w.lastDurableId();
            final PowerLossDirectory after = dir.powerCut(random);
            reported = Math.max(reported, durableBeforeCut);
            abandon(w);
            final List<WalRecord<byte[]>> records =
                new WalReader<>(after, BytesCodec.INSTANCE, options(policy)).replayBestEffort();
            long previous = 0;
            for (final WalRecord<byte[]> r : records)
            {
                assertEquals(previous + 1, r.entryId(), "cut " + cut + ": no hole, no reordering");
                assertArrayEquals(payload(r.entryId()), r.payload(), "cut " + cut + ": entry " + r.entryId());
                previous = r.entryId();
            }
            if (previous < durableBeforeCut)
            {
                fail(policy + " cut " + cut + ": reported durable through " + durableBeforeCut + ", recovered through " +
                    previous + ": " + new WalReader<>(after, BytesCodec.INSTANCE, options(policy)).check().describe());
            }
            reported = Math.min(reported, previous);
            dir = after;
        }
        assertTrue(reported > 0, "something was reported durable");
        assertTrue(appended > 0);
    }

    /** Stop a writer whose directory a power cut replaced: its syncer must not outlive the test. */
    private static void abandon(final WalWriter<byte[]> w)
    {
        try
        {
            w.close();
        }
        catch (final RuntimeException ignored)
        {
            // Whatever the old directory does now no longer matters.
        }
    }

    @Test
    void anEntriesPolicyWaitsForItsCount() throws Exception
    {
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.everyEntries(100))))
        {
            for (long id = 1; id <= 99; id++)
            {
                w.append(payload(id));
            }
            assertFalse(w.awaitDurable(99, 30, TimeUnit.MILLISECONDS), "99 entries are not 100");
            assertEquals(0, dir.barriers(), "no barrier below the count");
            assertEquals(0, w.lastDurableId());
            w.append(payload(100));
            assertTrue(w.awaitDurable(100, WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void anIntervalPolicyStartsAtMostOneBarrierPerInterval() throws Exception
    {
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        final Duration interval = Duration.ofMillis(20);
        final long started = System.nanoTime();
        final long barriers;
        final long elapsed;
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.every(interval))))
        {
            while (System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(150))
            {
                w.append(payload(w.nextEntryId()));
                if (w.lastEntryId() % 64 == 0)
                {
                    Thread.sleep(1);
                }
            }
            barriers = w.metrics().barriers();
            elapsed = System.nanoTime() - started;
            assertTrue(w.awaitDurable(w.lastEntryId(), WAIT_S, TimeUnit.SECONDS));
        }
        final long allowed = elapsed / interval.toNanos() + 1;
        assertTrue(barriers >= 1 && barriers <= allowed, barriers + " barriers in " + elapsed / 1000 + " µs, at most " + allowed);
    }

    @Test
    void aFailedBackgroundBarrierPoisonsTheWriterAndEveryWaiterAndIsNotRetried() throws Exception
    {
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        dir.failFromBarrier(4);
        final AtomicReference<DurabilityException> failure = new AtomicReference<>();
        final AtomicInteger failures = new AtomicInteger();
        final WalOptions options = options(SyncPolicy.continuous()).withDurabilityListener(new DurabilityListener()
        {
            @Override
            public void onDurable(final long lastDurableId)
            {
            }

            @Override
            public void onFailure(final DurabilityException f)
            {
                failure.set(f);
                failures.incrementAndGet();
            }
        });
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            final CompletableFuture<Long> never = w.whenDurable(1_000_000);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            DurabilityException refused = null;
            while (refused == null && System.nanoTime() < deadline)
            {
                try
                {
                    w.append(payload(w.nextEntryId()));
                    if (w.lastEntryId() % 100 == 0)
                    {
                        Thread.sleep(1);
                    }
                }
                catch (final DurabilityException ex)
                {
                    refused = ex;
                }
            }
            assertNotNull(refused, "the appending thread learns of the failed barrier");
            assertEquals(DurabilityException.Kind.INVALID_STATE, refused.kind());
            assertTrue(refused.getMessage().contains("poisoned"), refused.getMessage());
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> never.get(WAIT_S, TimeUnit.SECONDS));
            assertEquals(DurabilityException.Kind.IO, ((DurabilityException)ex.getCause()).kind());
            final DurabilityException awaited = assertThrows(DurabilityException.class,
                () -> w.awaitDurable(w.lastEntryId() + 1, WAIT_S, TimeUnit.SECONDS));
            assertTrue(awaited.getMessage().contains("never be reported durable"), awaited.getMessage());
            assertEquals(1, failures.get());
            assertTrue(failure.get().getMessage().contains("injected barrier failure"), failure.get().getMessage());
            assertTrue(w.metrics().poisoned());
            final long durable = w.lastDurableId();
            assertTrue(durable <= w.lastEntryId());
            final long attempted = dir.barriers();
            Thread.sleep(30);
            assertEquals(attempted, dir.barriers(), "a failed barrier is not retried");
            assertThrows(DurabilityException.class, w::flushAndSync);
            assertEquals(durable, w.lastDurableId(), "nothing more is reported durable");
        }
        assertEquals(4, dir.barriers(), "close of a poisoned writer syncs nothing");
    }

    @Test
    void closeMakesEverythingDurableAndStopsTheSyncer() throws Exception
    {
        final AtomicReference<Thread> syncer = new AtomicReference<>();
        final SyncPolicy policy = SyncPolicy.every(Duration.ofDays(1)).withThreadFactory(r ->
        {
            final Thread t = new Thread(r, "test-syncer");
            syncer.set(t);
            return t;
        });
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        final CompletableFuture<Long> tenth;
        final CompletableFuture<Long> beyond;
        try (dir)
        {
            final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(policy));
            for (long id = 1; id <= 10; id++)
            {
                w.append(payload(id));
            }
            assertTrue(w.awaitDurable(10, WAIT_S, TimeUnit.SECONDS), "the first barrier of an interval policy is at once");
            for (long id = 11; id <= 20; id++)
            {
                w.append(payload(id));
            }
            tenth = w.whenDurable(20);
            beyond = w.whenDurable(21);
            assertFalse(tenth.isDone(), "the next barrier is a day away");
            w.close();
            assertEquals(20, w.lastDurableId());
            assertEquals(20L, tenth.getNow(-1L));
            assertFalse(syncer.get().isAlive(), "close stops the syncer");
            final ExecutionException ex = assertThrows(ExecutionException.class, beyond::get);
            assertTrue(ex.getCause().getMessage().contains("closed before entry 21"), ex.getCause().getMessage());
            assertEquals(DurabilityException.Kind.INVALID_STATE, ((DurabilityException)ex.getCause()).kind());
            assertThrows(DurabilityException.class, () -> w.awaitDurable(21, 1, TimeUnit.SECONDS));
            assertTrue(w.awaitDurable(20, 0, TimeUnit.SECONDS));
            assertEquals(20, new WalReader<>(dir, BytesCodec.INSTANCE, options(policy)).replay().size());
        }
    }

    @Test
    void flushAndSyncAndCheckpointSyncsRunBesideTheSyncer() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        final BarrierThreadsDirectory dir = new BarrierThreadsDirectory(newDirectory());
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.continuous())))
        {
            for (int round = 0; round < 200; round++)
            {
                for (int i = random.nextInt(30); i >= 0; i--)
                {
                    w.append(payload(w.nextEntryId()));
                }
                if (random.nextBoolean())
                {
                    w.flushAndSync();
                }
                else
                {
                    w.flushAndSync();
                    w.syncWatermark();
                }
                assertEquals(w.lastEntryId(), w.lastDurableId(), "flushAndSync covers everything appended before it");
            }
            assertTrue(dir.byThread().size() >= 1);
        }
        final List<WalRecord<byte[]>> all = new WalReader<>(dir, BytesCodec.INSTANCE, options(SyncPolicy.manual())).replay();
        for (int i = 0; i < all.size(); i++)
        {
            assertArrayEquals(payload(i + 1), all.get(i).payload());
        }
    }

    @Test
    void aResumedWriterMakesEntriesOfItsEarlierLifeDurable() throws Exception
    {
        PowerLossDirectory dir = new PowerLossDirectory();
        final WalWriter<byte[]> first = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.manual()));
        for (long id = 1; id <= 500; id++)
        {
            first.append(payload(id));
        }
        // A process crash: nothing synced, the page cache survives.
        dir = dir.processCrash();
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options(SyncPolicy.everyEntries(1_000_000))))
        {
            assertEquals(500, w.lastEntryId());
            assertTrue(w.awaitDurable(500, WAIT_S, TimeUnit.SECONDS), "the first barrier after resume is due at once");
            final PowerLossDirectory cut = dir.powerCutKeepingOnlyDurable();
            assertEquals(500, new WalReader<>(cut, BytesCodec.INSTANCE, options(SyncPolicy.manual())).replay().size());
        }
    }

    @Test
    void aDurableTailerFollowsTheSyncerWithoutAnyCallerBarrier() throws Exception
    {
        final Directory dir = newDirectory();
        final WalOptions options = options(SyncPolicy.continuous());
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options);
            WalTailer<byte[]> tailer = WalTailer.open(
                dir, BytesCodec.INSTANCE, options, ReplayMode.STRICT, WalTailer.Delivery.DURABLE, WalTailer.FIRST))
        {
            for (long id = 1; id <= 2000; id++)
            {
                w.append(payload(id));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            final long[] seen = {0};
            while (seen[0] < 2000 && System.nanoTime() < deadline)
            {
                final int n = tailer.poll((id, entry) ->
                {
                    assertEquals(seen[0] + 1, id);
                    assertArrayEquals(payload(id), entry);
                    // Both are lower bounds from the same barriers: the header watermark a durable tailer
                    // reads can lead lastDurableId() while a barrier that already forced it finishes.
                    assertTrue(id <= w.lastEntryId());
                    seen[0] = id;
                }, 100);
                if (n == 0)
                {
                    Thread.sleep(1);
                }
            }
            assertEquals(2000, seen[0], "the idle syncer records the last barrier's end, so every entry is delivered");
            assertTrue(w.awaitDurable(2000, WAIT_S, TimeUnit.SECONDS), "the barrier that proved entry 2000 reports it");
        }
    }

    @Test
    void aBackgroundPolicyNeedsStableStorage()
    {
        try (MemoryDirectory dir = new MemoryDirectory())
        {
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.continuous())));
            assertEquals(DurabilityException.Kind.NOT_SUPPORTED, ex.kind());
            assertTrue(ex.getMessage().contains("SyncPolicy.manual()"), ex.getMessage());
            assertTrue(dir.list("").isEmpty() || !dir.exists("wal/.lock"), "nothing was locked or left behind");
        }
    }

    @Test
    void policiesRefuseValuesOutOfRange()
    {
        for (final Runnable bad : List.<Runnable>of(
            () -> SyncPolicy.every(Duration.ZERO),
            () -> SyncPolicy.every(Duration.ofNanos(999)),
            () -> SyncPolicy.every(null),
            () -> SyncPolicy.everyEntries(0),
            () -> SyncPolicy.everyBytes(-1),
            () -> SyncPolicy.continuous().withMaxDelay(Duration.ofMillis(1)),
            () -> SyncPolicy.everyEntries(10).withMaxDelay(Duration.ofDays(2)),
            () -> SyncPolicy.continuous().withIdlePoll(Duration.ZERO),
            () -> WalOptions.defaults().withSyncPolicy(null)))
        {
            final DurabilityException ex = assertThrows(DurabilityException.class, bad::run);
            assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
        }
        assertEquals(SyncPolicy.Kind.MANUAL, WalOptions.defaults().syncPolicy().kind());
        assertFalse(SyncPolicy.manual().isBackground());
        assertEquals("SyncPolicy{every 50 entries, at most 2000000 ns}",
            SyncPolicy.everyEntries(50).withMaxDelay(Duration.ofMillis(2)).toString());
    }

    @Test
    void manyWaitersOnOtherThreadsAreAllAnswered() throws Exception
    {
        final Directory dir = newDirectory();
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.continuous())))
        {
            final int waiters = 4;
            final int perWaiter = 300;
            final List<CompletableFuture<Long>> futures = new CopyOnWriteArrayList<>();
            final Thread[] threads = new Thread[waiters];
            final AtomicReference<Throwable> problem = new AtomicReference<>();
            for (int t = 0; t < waiters; t++)
            {
                final int me = t;
                threads[t] = new Thread(() ->
                {
                    try
                    {
                        for (int i = 1; i <= perWaiter; i++)
                        {
                            final long id = (long)i * waiters + me;
                            if ((i & 1) == 0)
                            {
                                futures.add(w.whenDurable(id));
                            }
                            else if (!w.awaitDurable(id, WAIT_S, TimeUnit.SECONDS))
                            {
                                throw new AssertionError("entry " + id + " not durable in time");
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        problem.set(ex);
                    }
                }, "waiter-" + t);
                threads[t].start();
            }
            final long target = (long)(perWaiter + 1) * waiters;
            while (w.lastEntryId() < target)
            {
                w.append(payload(w.nextEntryId()));
                if (w.lastEntryId() % 16 == 0)
                {
                    Thread.sleep(0, 100_000);
                }
            }
            for (final Thread t : threads)
            {
                t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
                assertFalse(t.isAlive());
            }
            assertNull(problem.get());
            for (final CompletableFuture<Long> f : futures)
            {
                final long id = f.get(WAIT_S, TimeUnit.SECONDS);
                assertTrue(id <= w.lastDurableId());
            }
            assertEquals(waiters * perWaiter / 2, futures.size());
        }
    }

    @Test
    void theDurablePositionIsTheOneTheMetricsReport() throws Exception
    {
        final Directory dir = newDirectory();
        try (dir; WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options(SyncPolicy.manual())))
        {
            w.append(payload(1));
            w.append(payload(2));
            assertEquals(0, w.lastDurableId());
            final CompletableFuture<Long> second = w.whenDurable(2);
            assertFalse(second.isDone());
            w.flushAndSync();
            assertEquals(2L, second.getNow(-1L), "a manual flushAndSync answers waiters too");
            assertEquals(2, w.lastDurableId());
            assertEquals(2, w.metrics().acknowledgedEntryId());
            assertEquals(Arrays.asList(2L), List.of(w.lastDurableId()));
        }
    }
}
