package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.testing.Damage;
import io.durability.testing.SyncRecordingDirectory;
import io.durability.internal.frame.SegmentDescriptor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The WAL contract on a directory that claims stable storage, plus the barrier-specific behaviour. */
class DurableMemoryWalTest extends WalContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new SyncRecordingDirectory();
    }

    @Override
    protected void truncateFile(final Directory directory, final String path, final int length)
    {
        ((SyncRecordingDirectory)directory).delegate().truncate(path, length);
    }

    private SyncRecordingDirectory rec()
    {
        return (SyncRecordingDirectory)dir;
    }

    @Test
    void flushAndSyncForcesSealedSegmentsThenTheCurrentOneThenTheFolder()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            w.flushAndSync();
            final int before = rec().barriers().size();
            while (w.currentSegmentId() < 3)
            {
                w.append(payload(w.nextEntryId()));
            }
            w.flushAndSync();
            final List<String> barriers = rec().barriers().subList(before, rec().barriers().size());
            assertEquals(4, barriers.size(), barriers.toString());
            assertEquals("syncfile wal/wal-1.seg", barriers.get(0), barriers.toString());
            assertEquals("syncfile wal/wal-2.seg", barriers.get(1), barriers.toString());
            // The folder before the watermark lands: a non-zero watermark proves every folder entry durable.
            assertEquals("syncdir wal/wal-3.seg", barriers.get(2));
            assertTrue(barriers.get(3).startsWith("force wal/wal-3.seg 0 "), "header included: " + barriers);

            final int quiet = rec().barriers().size();
            w.append(payload(w.nextEntryId()));
            w.flushAndSync();
            final List<String> next = rec().barriers().subList(quiet, rec().barriers().size());
            assertEquals(1, next.size(), "only the current segment's dirty range: " + next);
        }
    }

    @Test
    void aWriterThatNeverSyncsHoldsOneSegmentOpenNotOnePerRoll()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            while (w.currentSegmentId() < 50)
            {
                w.append(payload(w.nextEntryId()));
            }
            assertEquals(1, rec().openSegments(), "rolled segments are released at the roll");
            w.flushAndSync();
            assertEquals(1, rec().openSegments());
        }
        assertEquals(0, rec().openSegments());
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, WalLayout.segmentIds(dir, "wal").length > 0 ?
            replay(ReplayMode.STRICT, small()).size() : 0);
    }

    @Test
    void watermarkRecordsOnlyWhatAnEarlierBarrierProved()
    {
        try (WalWriter<byte[]> w = createWriter(WalOptions.defaults().withSegmentCapacity(64 * 1024)))
        {
            appendRange(w, 1, 10);
            w.flushAndSync();
            final int afterFirst = Damage.dataEnd(dir, seg(1), SegmentDescriptor.KIND_WAL_SEGMENT);
            assertEquals(SegmentDescriptor.HEADER_LENGTH, watermark(seg(1)), "first barrier proves nothing yet");
            appendRange(w, 11, 20);
            w.flushAndSync();
            assertEquals(afterFirst, watermark(seg(1)), "second barrier records what the first proved");
        }
    }

    @Test
    void perAppendBarriersRewriteTheHeaderPageOnlyEveryWatermarkStride()
    {
        try (WalWriter<byte[]> w = createWriter(WalOptions.defaults().withSegmentCapacity(1024 * 1024)))
        {
            final byte[] entry = new byte[200];
            w.append(entry);
            w.flushAndSync();
            int previousTail = Damage.dataEnd(dir, seg(1), SegmentDescriptor.KIND_WAL_SEGMENT);
            final int barriers = 400;
            int headerForcesPastFirstPage = 0;
            for (int i = 0; i < barriers; i++)
            {
                w.append(entry);
                final int before = rec().barriers().size();
                w.flushAndSync();
                final List<String> forces = rec().barriers().subList(before, rec().barriers().size());
                assertEquals(1, forces.size(), forces.toString());
                final int provenBeforeLast = previousTail;
                previousTail = Damage.dataEnd(dir, seg(1), SegmentDescriptor.KIND_WAL_SEGMENT);
                final int wm = watermark(seg(1));
                assertTrue(wm <= provenBeforeLast, "never more than an earlier barrier proved: " + wm + " > " + provenBeforeLast);
                assertTrue(wm > provenBeforeLast - SegmentDescriptor.WATERMARK_STRIDE,
                    "lags by less than the stride: " + wm + " vs " + provenBeforeLast + " at barrier " + i);
                final boolean headerForced = Integer.parseInt(forces.get(0).split(" ")[2]) < SegmentDescriptor.HEADER_LENGTH;
                if (headerForced && provenBeforeLast >= SegmentDescriptor.WATERMARK_STRIDE)
                {
                    headerForcesPastFirstPage++;
                }
            }
            // Past the first page, one barrier in (stride / frame size) forces the header page too.
            final int bytesPastFirstPage = previousTail - SegmentDescriptor.WATERMARK_STRIDE;
            final int expected = bytesPastFirstPage / SegmentDescriptor.WATERMARK_STRIDE;
            assertTrue(headerForcesPastFirstPage <= expected + 1 && headerForcesPastFirstPage >= expected - 1,
                headerForcesPastFirstPage + " of " + barriers + " barriers forced the header page, expected about " + expected);
        }
    }

    @Test
    void shouldRecordWatermarkPolicy()
    {
        final int stride = SegmentDescriptor.WATERMARK_STRIDE;
        assertTrue(SegmentDescriptor.shouldRecordWatermark(0, 64), "0 is always replaced");
        assertTrue(SegmentDescriptor.shouldRecordWatermark(0, 100_000), "0 is always replaced");
        assertFalse(SegmentDescriptor.shouldRecordWatermark(64, 64), "unchanged");
        assertFalse(SegmentDescriptor.shouldRecordWatermark(9000, 8000), "never backwards");
        assertTrue(SegmentDescriptor.shouldRecordWatermark(64, stride - 8), "first page: free");
        assertFalse(SegmentDescriptor.shouldRecordWatermark(stride, 2 * stride - 8), "less than a stride");
        assertTrue(SegmentDescriptor.shouldRecordWatermark(stride, 2 * stride), "a whole stride");
    }

    @Test
    void corruptionBelowTheWatermarkOfTheFinalSegmentIsNotATornTail()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024);
        try (WalWriter<byte[]> w = createWriter(options))
        {
            appendRange(w, 1, 10);
            w.flushAndSync();
            appendRange(w, 11, 20);
            w.flushAndSync();
            appendRange(w, 21, 30);
        }
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(1), SegmentDescriptor.KIND_WAL_SEGMENT);
        final int wm = watermark(seg(1));
        final Damage.FrameSpan below = frames.get(4);
        assertTrue(below.offset() < wm);
        Damage.flipByte(dir, seg(1), below.offset() + 25);
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(ReplayMode.BEST_EFFORT, options));
        assertEquals(Kind.CRC_MISMATCH, ex.kind());
        assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, options));
    }

    @Test
    void unsealedSegmentFollowedOnlyByUnsyncedSegmentsIsATornTail()
    {
        // Power loss after a roll, before any barrier: the seal of segment 1 never reached the disk.
        crashAfter(small(), w ->
        {
            appendRange(w, 1, 5);
            w.flushAndSync();
            while (w.currentSegmentId() < 3)
            {
                w.append(payload(w.nextEntryId()));
            }
        });
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(1), SegmentDescriptor.KIND_WAL_SEGMENT);
        final Damage.FrameSpan seal = frames.get(frames.size() - 1);
        Damage.zero(dir, seg(1), seal.offset(), seal.offset() + 24);
        final long lastInOne = seal.entryId() - 1;
        assertThrows(DurabilityException.class, () -> replay(ReplayMode.STRICT, small()));
        assertPayloads(replay(ReplayMode.BEST_EFFORT, small()), 1, lastInOne);
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(lastInOne, w.lastEntryId());
            assertEquals(1, w.currentSegmentId());
            appendRange(w, lastInOne + 1, lastInOne + 40);
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, lastInOne + 40);
    }

    @Test
    void failedSyncPoisonsTheWriter()
    {
        final WalWriter<byte[]> w = createWriter(small());
        appendRange(w, 1, 3);
        rec().failNextBarriers(1);
        final java.util.List<java.util.logging.LogRecord> logged = new java.util.ArrayList<>();
        final java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.durability.walog");
        final java.util.logging.Handler handler = new java.util.logging.Handler()
        {
            @Override
            public void publish(final java.util.logging.LogRecord record)
            {
                logged.add(record);
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        log.addHandler(handler);
        final DurabilityException ex;
        try
        {
            ex = assertThrows(DurabilityException.class, w::flushAndSync);
        }
        finally
        {
            log.removeHandler(handler);
        }
        assertEquals(Kind.IO, ex.kind());
        assertEquals(1, logged.size(), "the poisoning is logged once");
        assertEquals(java.util.logging.Level.SEVERE, logged.get(0).getLevel());
        assertTrue(logged.get(0).getMessage().contains("poisoned"), logged.get(0).getMessage());
        assertSame(ex, logged.get(0).getThrown());
        final DurabilityException after = assertThrows(DurabilityException.class, () -> w.append(payload(4)));
        assertEquals(Kind.INVALID_STATE, after.kind());
        assertTrue(after.getMessage().contains("poisoned"), after.getMessage());
        assertThrows(DurabilityException.class, w::flushAndSync);
        w.close();
        try (WalWriter<byte[]> again = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(4, again.append(payload(4)));
        }
    }

    private int watermark(final String path)
    {
        try (var f = dir.openSegment(path, false))
        {
            return f.buffer().getInt(SegmentDescriptor.WATERMARK_OFFSET);
        }
    }

    @Test
    void metricsCountAppendsBytesRollsAndBarriersAndNameTheAcknowledgedEntry() throws Exception
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            assertEquals(new WalMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, false, false), w.metrics());
            long bytes = 0;
            while (w.currentSegmentId() < 3)
            {
                final byte[] p = payload(w.nextEntryId());
                w.append(p);
                bytes += (24 + p.length + 7) & ~7;
            }
            w.flushAndSync();
            final long acknowledged = w.lastEntryId();
            w.append(payload(w.nextEntryId()));
            bytes += (24 + payload(w.lastEntryId()).length + 7) & ~7;
            // Read from another thread, as a monitoring thread would.
            final java.util.concurrent.atomic.AtomicReference<WalMetrics> seen = new java.util.concurrent.atomic.AtomicReference<>();
            final Thread monitor = new Thread(() -> seen.set(w.metrics()));
            monitor.start();
            monitor.join();
            final WalMetrics m = seen.get();
            assertEquals(w.lastEntryId(), m.appends());
            assertEquals(bytes, m.bytesAppended());
            assertEquals(2, m.rolls());
            assertEquals(1, m.barriers());
            assertTrue(m.barrierNanosTotal() > 0 && m.barrierNanosMax() == m.barrierNanosTotal(), m.toString());
            assertEquals(acknowledged, m.acknowledgedEntryId());
            assertEquals(w.lastEntryId(), m.lastEntryId());
            assertFalse(m.repaired());
            assertFalse(m.poisoned());
        }
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            final WalMetrics m = w.metrics();
            assertEquals(0, m.appends(), "counts are this writer's");
            assertEquals(w.lastEntryId(), m.lastEntryId());
            rec().failNextBarriers(1);
            w.append(payload(w.nextEntryId()));
            assertThrows(DurabilityException.class, w::flushAndSync);
            assertTrue(w.metrics().poisoned());
        }
        catch (final DurabilityException closeOfAPoisonedWriter)
        {
            throw new AssertionError("close of a poisoned writer must not sync", closeOfAPoisonedWriter);
        }
    }
}
