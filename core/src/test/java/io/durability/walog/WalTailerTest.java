package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.FilterDirectory;
import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;
import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link WalTailer} beside a live writer: exactly the committed stream, in order, byte-exact, across
 * rolls and truncation; durable-only delivery; seek by id; damage. Runs on {@link MemoryDirectory};
 * the mmap module runs it on memory-mapped files ({@code MmapWalTailerTest}). Seeded: the seed is
 * printed, fixed by default, {@code -Dseed=} to change it. Waits are bounded; nothing is timed.
 */
public class WalTailerTest
{
    private static final int SEGMENT = 4096;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT);
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;
    private static final long SEED = Long.getLong("seed", 20261201L);
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    protected Directory dir;

    /** @return a fresh, empty directory; subclasses test other backends. */
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }

    @BeforeEach
    void openDirectory()
    {
        dir = newDirectory();
    }

    @AfterEach
    void closeDirectory()
    {
        dir.close();
    }

    /** Payload of entry {@code id}: 0 to 299 bytes, a function of the seed and the id. */
    static byte[] payload(final long seed, final long id)
    {
        final SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
        final byte[] bytes = new byte[r.nextInt(300)];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)r.nextInt(256);
        }
        return bytes;
    }

    private static byte[] payload(final long id)
    {
        return payload(SEED, id);
    }

    /** Make everything appended so far durable and recorded in the header, or (memory) published. */
    private void publish(final WalWriter<byte[]> w)
    {
        if (dir.supportsDurability())
        {
            w.flushAndSync();
            w.syncWatermark();
        }
        else
        {
            w.flush();
        }
    }

    private WalTailer<byte[]> tailer(final ReplayMode mode, final WalTailer.Delivery delivery, final long from)
    {
        return WalTailer.open(dir, BytesCodec.INSTANCE, OPTIONS, mode, delivery, from);
    }

    /** Checks each delivered entry against the stream: the next id, the right bytes. */
    private static class Expect implements FrameHandler
    {
        long next;
        final List<Long> ids = new ArrayList<>();

        Expect(final long first)
        {
            next = first;
        }

        @Override
        public void onFrame(final long entryId, final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            if (entryId != next)
            {
                throw new AssertionError("delivered entry " + entryId + ", expected " + next + " (seed " + SEED + ")");
            }
            final byte[] got = new byte[length];
            buffer.getBytes(offset, got);
            if (!Arrays.equals(payload(entryId), got))
            {
                throw new AssertionError("payload of entry " + entryId + " differs (seed " + SEED + ")");
            }
            ids.add(entryId);
            next++;
        }
    }

    private static int drain(final WalTailer<byte[]> t, final FrameHandler h)
    {
        int total = 0;
        for (int n = t.pollFrames(h, 1000); n > 0; n = t.pollFrames(h, 1000))
        {
            total += n;
        }
        return total;
    }

    private void appendRange(final WalWriter<byte[]> w, final long from, final long to)
    {
        for (long id = from; id <= to; id++)
        {
            assertEquals(id, w.append(payload(id)));
        }
    }

    // ------------------------------------------------------------------------------- live, two threads

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTailerThreadReceivesExactlyTheStreamOfAWriterThreadAcrossRolls() throws Exception
    {
        followAcrossRolls(WalTailer.Delivery.VISIBLE, 6000);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aDurableTailerThreadReceivesExactlyTheStreamAndNothingBeforeABarrierCoveredIt() throws Exception
    {
        followAcrossRolls(WalTailer.Delivery.DURABLE, 4000);
    }

    private void followAcrossRolls(final WalTailer.Delivery delivery, final long n) throws Exception
    {
        System.out.println(getClass().getSimpleName() + " " + delivery + " seed " + SEED + " (rerun with -Dseed=" + SEED +
            ")");
        // The tailer opens on an empty folder and waits for the writer's first segment.
        final WalTailer<byte[]> tailer = tailer(ReplayMode.STRICT, delivery, WalTailer.FIRST);
        final AtomicLong syncStarted = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong violations = new AtomicLong();
        final Expect expect = new Expect(1)
        {
            @Override
            public void onFrame(final long entryId, final org.agrona.DirectBuffer buffer, final int offset,
                final int length)
            {
                super.onFrame(entryId, buffer, offset, length);
                // Durable only: a barrier that started after the entry was appended has covered it.
                if (delivery == WalTailer.Delivery.DURABLE && dir.supportsDurability() && entryId > syncStarted.get())
                {
                    violations.incrementAndGet();
                }
            }
        };
        final Thread reader = new Thread(() ->
        {
            final long deadline = System.nanoTime() + WAIT_NANOS;
            try (tailer)
            {
                while (expect.next <= n && System.nanoTime() < deadline)
                {
                    if (tailer.pollFrames(expect, 64) == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "tailer");
        reader.start();
        final long segments;
        final SplittableRandom random = new SplittableRandom(SEED);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            for (long id = 1; id <= n; id++)
            {
                w.append(payload(id));
                if (delivery == WalTailer.Delivery.DURABLE && random.nextInt(40) == 0)
                {
                    syncStarted.set(w.lastEntryId());
                    if (dir.supportsDurability())
                    {
                        w.flushAndSync();
                    }
                    else
                    {
                        w.flush();
                    }
                }
            }
            segments = w.currentSegmentId();
            syncStarted.set(w.lastEntryId());
        } // close(): the exact watermark, so a durable tailer gets the last entries too
        reader.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS) + 10_000);
        assertFalse(reader.isAlive(), "the tailer thread did not finish");
        if (failure.get() != null)
        {
            throw new AssertionError("the tailer failed: " + failure.get(), failure.get());
        }
        assertEquals(n + 1, expect.next, "entries delivered (seed " + SEED + ")");
        assertEquals(0, violations.get(), "entries delivered before a barrier covered them");
        assertTrue(segments > 100, "rolls: " + (segments - 1));
    }

    // ------------------------------------------------------------------------------------ durable only

    @Test
    void aDurableTailerDeliversOnlyWhatTheHeadersRecordAsDurable()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS.withSegmentCapacity(1 << 20));
            WalTailer<byte[]> visible = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST);
            WalTailer<byte[]> durable = tailer(ReplayMode.STRICT, WalTailer.Delivery.DURABLE, WalTailer.FIRST))
        {
            appendRange(w, 1, 5);
            final Expect seenVisible = new Expect(1);
            final Expect seenDurable = new Expect(1);
            assertEquals(5, drain(visible, seenVisible), "visible as soon as append returned");
            assertEquals(0, drain(durable, seenDurable), "nothing durable yet");
            if (dir.supportsDurability())
            {
                w.flushAndSync();
                // The barrier records what an earlier barrier proved (none: the header's length), not itself.
                assertEquals(0, drain(durable, seenDurable), "the watermark lags one barrier");
                w.flushAndSync();
                assertEquals(5, drain(durable, seenDurable), "the second barrier recorded the first one's end");
                appendRange(w, 6, 8);
                w.flushAndSync();
                assertEquals(0, drain(durable, seenDurable), "less than the 4 KiB stride past the recorded watermark");
                w.syncWatermark();
            }
            else
            {
                w.flush();
                assertEquals(5, drain(durable, seenDurable), "flush records the end on a directory without stable storage");
                appendRange(w, 6, 8);
                w.flush();
            }
            assertEquals(3, drain(durable, seenDurable));
            assertEquals(3, drain(visible, seenVisible));
            assertEquals(9, durable.nextEntryId());
        }
    }

    @Test
    void aDurableTailerLearnsThatARolledSegmentIsDurableFromTheNextSegmentsWatermark()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            WalTailer<byte[]> durable = tailer(ReplayMode.STRICT, WalTailer.Delivery.DURABLE, WalTailer.FIRST))
        {
            long id = 0;
            while (w.currentSegmentId() < 4)
            {
                id = w.append(payload(id + 1));
            }
            final Expect seen = new Expect(1);
            if (dir.supportsDurability())
            {
                assertEquals(0, drain(durable, seen), "no barrier yet: the new segments record watermark 0");
                w.flushAndSync(); // syncs the sealed segments, then records 64 in the current one
            }
            // Memory: each new segment records 64 at creation (nothing there can be lost out of order).
            final long lastSealed = w.segmentRanges().get(2).lastEntryId();
            assertEquals(lastSealed, drain(durable, seen), "every entry of the three sealed segments");
            assertEquals(4, durable.segmentId());
            assertEquals(lastSealed + 1, durable.nextEntryId());
        }
    }

    // ------------------------------------------------------------------------------------------- seek

    @Test
    void opensAtTheFirstEntryAtTheEndAndAtAnyIdReadingAtMostOneSegment()
    {
        final long n = 1500;
        final List<SegmentRange> ranges;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            appendRange(w, 1, n);
            ranges = w.segmentRanges();
        }
        assertTrue(ranges.size() > 20, "segments " + ranges.size());
        final List<Long> starts = new ArrayList<>(List.of(1L, 2L, n / 2, n - 1, n, n + 1));
        for (final SegmentRange r : ranges)
        {
            starts.add(r.startEntryId());
            starts.add(r.lastEntryId());
        }
        for (final long from : starts)
        {
            if (from < 1)
            {
                continue;
            }
            try (WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, from))
            {
                final long expectedSegment = ranges.stream()
                    .filter(r -> r.startEntryId() <= from && (from <= r.lastEntryId() || r.isFinal()))
                    .findFirst().orElseThrow().segmentId();
                assertEquals(expectedSegment, t.segmentId(), "segment found for entry " + from);
                assertEquals(from, t.nextEntryId());
                final Expect seen = new Expect(from);
                assertEquals(n + 1 - from, drain(t, seen), "entries from " + from);
            }
        }
        try (WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            assertEquals(n, drain(t, new Expect(1)));
        }
        try (WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.END))
        {
            assertEquals(n + 1, t.nextEntryId());
            assertEquals(0, drain(t, new Expect(n + 1)));
        }
        final DurabilityException beyond = assertThrows(DurabilityException.class,
            () -> tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, n + 2));
        assertEquals(Kind.NOT_FOUND, beyond.kind());
        assertEquals(String.valueOf(n + 2), beyond.found());
    }

    @Test
    void anIdTruncationDeletedIsNotFoundAndFirstMeansTheOldestSegmentLeft()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            appendRange(w, 1, 300);
            final long covered = w.segmentRanges().get(2).lastEntryId();
            assertEquals(3, w.deleteSegmentsCoveredBy(covered));
            final DurabilityException gone = assertThrows(DurabilityException.class,
                () -> tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, covered));
            assertEquals(Kind.NOT_FOUND, gone.kind());
            assertEquals("wal/wal-4.seg", gone.file());
            assertEquals("an entry id >= " + (covered + 1), gone.expected());
            try (WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
            {
                assertEquals(covered + 1, t.nextEntryId());
                assertEquals(300 - covered, drain(t, new Expect(covered + 1)));
            }
        }
    }

    // ------------------------------------------------------------------------------ rolls, truncation

    @Test
    void aSegmentBeingCreatedIsWaitedForNeverReportedAsDamage()
    {
        final boolean[] failNext = {true};
        final Directory flaky = new FilterDirectory(dir)
        {
            @Override
            public SegmentFile createSegment(final String path, final int capacity)
            {
                if (path.endsWith("wal-2.seg") && failNext[0])
                {
                    failNext[0] = false;
                    throw new DurabilityException(Kind.IO, "injected: no space", path, -1, null, null, null);
                }
                return super.createSegment(path, capacity);
            }
        };
        // The roll itself creates the file (nothing named ahead), so the injected failure is the roll's.
        try (WalWriter<byte[]> w = WalWriter.create(flaky, BytesCodec.INSTANCE, OPTIONS.withNextSegment(NextSegment.AT_ROLL));
            WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            long id = 0;
            final Expect seen = new Expect(1);
            DurabilityException injected = null;
            while (injected == null)
            {
                try
                {
                    id = w.append(payload(id + 1));
                }
                catch (final DurabilityException ex)
                {
                    injected = ex;
                }
            }
            // Segment 1 is sealed, segment 2 does not exist: the tailer reads up to the seal and waits.
            assertEquals(id, drain(t, seen));
            assertEquals(0, drain(t, seen));
            assertEquals(2, t.segmentId());
            // A file whose header is not written yet (what a creator leaves before its magic store).
            try (SegmentFile blank = dir.createSegment("wal/wal-2.seg", SEGMENT))
            {
                assertEquals(0, blank.buffer().getLong(0));
                assertEquals(0, drain(t, seen), "an uninitialized header is a segment being created");
            }
            dir.delete("wal/wal-2.seg");
            assertEquals(0, drain(t, seen));
            // The writer's next append retries the roll.
            appendRange(w, id + 1, id + 200);
            assertEquals(200, drain(t, seen));
            assertTrue(t.segmentId() > 2);
        }
    }

    @Test
    void aTailerKeepsFollowingWhileTheSegmentsBehindItAreTruncated()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            final Expect seen = new Expect(1);
            long id = 0;
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < 50; i++)
                {
                    id = w.append(payload(id + 1));
                }
                // Half way through its segment: truncation deletes everything before it, the tailer's included.
                assertTrue(t.pollFrames(seen, 25) > 0);
                w.deleteSegmentsCoveredBy(seen.next - 1);
                drain(t, seen);
            }
            assertEquals(id + 1, seen.next);
            assertTrue(w.segmentRanges().get(0).segmentId() > 10, "truncation deleted segments");
        }
    }

    @Test
    void aTailerThatFellBehindTruncationGetsAnErrorNotAGap()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            final Expect seen = new Expect(1);
            assertEquals(0, drain(t, seen));
            appendRange(w, 1, 600);
            assertTrue(t.pollFrames(seen, 1) == 1, "the tailer holds segment 1");
            w.deleteSegmentsCoveredBy(w.segmentRanges().get(4).lastEntryId());
            final DurabilityException behind = assertThrows(DurabilityException.class, () -> drain(t, seen));
            assertEquals(Kind.INVALID_STATE, behind.kind());
            assertEquals("wal/wal-2.seg", behind.file());
            assertEquals(6, w.segmentRanges().get(0).segmentId());
            // Everything of segment 1 (still mapped by the tailer) was delivered, in order, before the error.
            assertEquals(seen.next, t.nextEntryId());
            assertTrue(seen.next > 2);
        }
    }

    // ----------------------------------------------------------------------------------------- damage

    @Test
    void aFlippedByteUnderTheWatermarkIsCorruptionForEveryTailer()
    {
        final WalOptions big = OPTIONS.withSegmentCapacity(1 << 20);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big))
        {
            appendRange(w, 1, 50);
        } // close(): the exact watermark covers every frame
        final Damage.FrameSpan f20 = Damage.frames(dir, "wal/wal-1.seg", KIND).get(19);
        assertEquals(20, f20.entryId());
        Damage.flipByte(dir, "wal/wal-1.seg", f20.offset() + 24 + 1);
        for (final ReplayMode mode : ReplayMode.values())
        {
            for (final WalTailer.Delivery delivery : WalTailer.Delivery.values())
            {
                try (WalTailer<byte[]> t = WalTailer.open(dir, BytesCodec.INSTANCE, big, mode, delivery, WalTailer.FIRST))
                {
                    final Expect seen = new Expect(1);
                    final DurabilityException ex = assertThrows(DurabilityException.class, () -> drain(t, seen),
                        mode + " " + delivery);
                    assertEquals(Kind.CRC_MISMATCH, ex.kind(), ex.getMessage());
                    assertEquals("wal/wal-1.seg", ex.file());
                    assertEquals(f20.offset(), ex.offset());
                    assertNotNull(ex.expected());
                    assertNotNull(ex.found());
                    assertNotEquals(ex.expected(), ex.found());
                    assertEquals(19, seen.ids.size(), "the entries before the damage, none after");
                    // The tailer stays at the damage.
                    assertThrows(DurabilityException.class, () -> t.pollFrames(seen, 10));
                    assertEquals(20, t.nextEntryId());
                }
            }
        }
    }

    @Test
    void aSeekWalksOverTheFramesBeforeItsEntryWithoutJudgingThemAndValidatesFromThereOn()
    {
        final WalOptions big = OPTIONS.withSegmentCapacity(1 << 20);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big))
        {
            appendRange(w, 1, 50);
        }
        final java.util.List<Damage.FrameSpan> frames = Damage.frames(dir, "wal/wal-1.seg", KIND);
        // A payload byte of entry 20 flipped: a seek to 30 walks over it (commit words, no CRC) and
        // delivers 30..50 checked; a tailer that reads entry 20 reports it.
        Damage.flipByte(dir, "wal/wal-1.seg", frames.get(19).offset() + 24 + 1);
        try (WalTailer<byte[]> t = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.STRICT,
            WalTailer.Delivery.VISIBLE, 30))
        {
            final Expect seen = new Expect(30);
            drain(t, seen);
            assertEquals(21, seen.ids.size());
            assertEquals(51, t.nextEntryId());
        }
        try (WalTailer<byte[]> t = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.STRICT,
            WalTailer.Delivery.VISIBLE, 20))
        {
            assertThrows(io.durability.storage.CrcMismatchException.class, () -> t.pollFrames(new Expect(20), 10),
                "the entry sought is validated before it is delivered");
        }
        // Entry 40's length damaged: the walk stops before it (its length check disagrees), and the validated
        // scan reports it as before, naming the frame's length check.
        Damage.flipByte(dir, "wal/wal-1.seg", frames.get(39).offset() + 1);
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> WalTailer.open(dir,
            BytesCodec.INSTANCE, big, ReplayMode.BEST_EFFORT, WalTailer.Delivery.VISIBLE, 45).close());
        assertEquals("wal/wal-1.seg", ex.file());
        assertEquals(io.durability.internal.frame.FrameDescriptor.flagsOffset(frames.get(39).offset()), ex.offset(), ex.getMessage());
    }

    @Test
    void aTornFrameStopsABestEffortTailerAndFailsAStrictOne()
    {
        final WalOptions big = OPTIONS.withSegmentCapacity(1 << 20);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big))
        {
            for (long id = 1; id <= 30; id++)
            {
                final byte[] bytes = new byte[700 + (int)id]; // every frame crosses a 512-byte sector
                Arrays.fill(bytes, (byte)id);
                w.append(bytes);
            }
            final Damage.FrameSpan last = Damage.lastFrameCrossingASector(dir, "wal/wal-1.seg", KIND);
            Damage.tearFrame(dir, "wal/wal-1.seg", last);
            final long before = last.entryId() - 1;
            try (WalTailer<byte[]> strict = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.STRICT,
                    WalTailer.Delivery.VISIBLE, WalTailer.FIRST);
                WalTailer<byte[]> bestEffort = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.BEST_EFFORT,
                    WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
            {
                final long[] count = {0};
                final FrameHandler counter = (id, buffer, offset, length) -> count[0]++;
                assertThrows(DurabilityException.class, () -> drain(strict, counter));
                assertEquals(before, count[0]);
                count[0] = 0;
                assertEquals(before, drain(bestEffort, counter));
                assertEquals(0, bestEffort.pollFrames(counter, 10), "waits at the tear");
                assertEquals(last.entryId(), bestEffort.nextEntryId());
            }
        }
    }

    /** 700 to 740 bytes of {@code id}: every frame crosses a 512-byte sector. */
    private static byte[] sectorCrossing(final long id)
    {
        final byte[] bytes = new byte[700 + (int)(id % 41)];
        Arrays.fill(bytes, (byte)id);
        return bytes;
    }

    @Test
    void aBestEffortTailerWaitsAtATornTailAndGoesOnWithWhatTheResumedWriterAppendsInItsPlace()
    {
        final WalOptions big = OPTIONS.withSegmentCapacity(1 << 20);
        final java.util.Map<String, byte[]> image;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big))
        {
            for (long id = 1; id <= 30; id++)
            {
                w.append(sectorCrossing(id));
            }
            image = Damage.capture(dir, "wal");
        }
        Damage.restore(dir, "wal", image); // as a crash left it: no clean close, no exact watermark
        final Damage.FrameSpan torn = Damage.lastFrameCrossingASector(dir, "wal/wal-1.seg", KIND);
        assertEquals(30, torn.entryId());
        Damage.tearFrame(dir, "wal/wal-1.seg", torn); // a power cut: a sector of entry 30 never reached the disk
        final List<Long> ids = new ArrayList<>();
        final FrameHandler check = (id, buffer, offset, length) ->
        {
            final byte[] got = new byte[length];
            buffer.getBytes(offset, got);
            assertArrayEquals(sectorCrossing(id), got, "entry " + id);
            ids.add(id);
        };
        try (WalTailer<byte[]> t = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.BEST_EFFORT,
            WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            assertEquals(29, drain(t, check));
            assertEquals(0, t.pollFrames(check, 10), "waits at the torn entry");
            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, big))
            {
                assertEquals(30, w.nextEntryId(), "resume cut the torn entry");
                for (long id = 30; id <= 45; id++)
                {
                    w.append(sectorCrossing(id)); // entry 30 again with the same bytes: the same commit word
                }
            }
            assertEquals(16, drain(t, check));
        }
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 45).boxed().collect(java.util.stream.Collectors.toList()),
            ids, "every entry once, in order: the torn one only as the resumed writer wrote it");
    }

    @Test
    void anEntryTheWriterTookBackIsAnErrorNotADivergence()
    {
        final WalOptions big = OPTIONS.withSegmentCapacity(1 << 20);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big);
            WalTailer<byte[]> t = WalTailer.open(dir, BytesCodec.INSTANCE, big, ReplayMode.STRICT,
                WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            appendRange(w, 1, 10);
            final Expect seen = new Expect(1);
            assertEquals(10, drain(t, seen));
            // What a resume after a power cut leaves where it cut visible entries: other bytes in their place.
            final Damage.FrameSpan f10 = Damage.frames(dir, "wal/wal-1.seg", KIND).get(9);
            Damage.zero(dir, "wal/wal-1.seg", f10.offset(), f10.offset() + 8);
            w.append(payload(11));
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> drain(t, seen));
            assertEquals(Kind.INVALID_STATE, ex.kind());
            assertEquals("wal/wal-1.seg", ex.file());
            assertEquals(f10.offset(), ex.offset());
            assertEquals(10, seen.ids.size(), "entry 11 was not delivered after a stream that diverged");
        }
    }

    @Test
    void anEntryWhoseHandlerThrewIsDeliveredAgain()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            WalTailer<byte[]> t = tailer(ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            appendRange(w, 1, 5);
            final List<Long> got = new ArrayList<>();
            final RecordHandler<byte[]> failsOnThree = (id, entry) ->
            {
                if (id == 3 && !got.contains(-3L))
                {
                    got.add(-3L);
                    throw new IllegalStateException("handler failed on 3");
                }
                assertArrayEquals(payload(id), entry);
                got.add(id);
            };
            assertThrows(IllegalStateException.class, () -> t.poll(failsOnThree, 10));
            assertEquals(3, t.nextEntryId());
            assertEquals(3, t.poll(failsOnThree, 10));
            assertEquals(List.of(1L, 2L, -3L, 3L, 4L, 5L), got);
        }
    }

    @Test
    void aTailerRefusesAnotherCodecsWalAndBadArguments()
    {
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, OPTIONS))
        {
            w.append(new WalEntry.AddSegment(1, 2));
        }
        final io.durability.codec.Codec<byte[]> other = new io.durability.codec.Codec<>()
        {
            @Override
            public int encode(final byte[] value, final org.agrona.MutableDirectBuffer buffer, final int offset,
                final int maxLength)
            {
                return DOES_NOT_FIT;
            }

            @Override
            public byte[] decode(final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
                return new byte[0];
            }

            @Override
            public int id()
            {
                return 77_777;
            }
        };
        final DurabilityException codec = assertThrows(DurabilityException.class, () -> WalTailer.open(
            dir, other, OPTIONS, ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST));
        assertEquals(Kind.INVALID_CONFIG, codec.kind());
        assertEquals("77777", codec.expected());
        try (WalTailer<WalEntry> t = WalTailer.open(dir, WalEntryCodec.INSTANCE, OPTIONS, ReplayMode.STRICT,
            WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            final List<WalEntry> got = new ArrayList<>();
            assertEquals(1, t.poll((id, e) -> got.add(e), 5));
            assertEquals(List.of(new WalEntry.AddSegment(1, 2)), got);
            assertEquals(Kind.INVALID_CONFIG, assertThrows(DurabilityException.class,
                () -> t.poll((id, e) -> { }, 0)).kind());
            t.close();
            assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class,
                () -> t.poll((id, e) -> { }, 1)).kind());
        }
    }
}
