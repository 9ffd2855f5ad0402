package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.Directory;
import io.durability.storage.SegmentFile;
import io.durability.testing.FaultInjectingDirectory;
import io.durability.testing.PowerLossDirectory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The next segment named ahead of its roll ({@link NextSegment}), deterministically
 * ({@link NextSegment#INLINE}: the file is created right after each roll, on the appending thread):
 * what every reader makes of it while the writer runs, after the writer is abandoned and after it
 * closes, and what a roll does when naming ahead failed. The background mode is tested on a real
 * filesystem in mmap-directory ({@code MmapNamedAheadTest}).
 */
class NamedAheadTest
{
    private static final int SEGMENT = 4096;
    private static final WalOptions INLINE = WalOptions.defaults().withSegmentCapacity(SEGMENT).withSaltSeed(11)
        .withNextSegment(NextSegment.INLINE);

    private final PowerLossDirectory memory = new PowerLossDirectory();

    private static byte[] payload(final long id)
    {
        return ("entry-" + id + "-" + "n".repeat((int)(id % 37))).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean allZero(final Directory dir, final String path)
    {
        try (SegmentFile f = dir.openSegment(path, false))
        {
            for (int i = 0; i < f.capacity(); i += 8)
            {
                if (f.buffer().getLong(i) != 0)
                {
                    return false;
                }
            }
            return true;
        }
    }

    private List<Long> replayIds(final ReplayMode mode)
    {
        final List<Long> ids = new ArrayList<>();
        new WalReader<>(memory, BytesCodec.INSTANCE, INLINE).replayEach(mode, (eid, e) -> ids.add(eid));
        return ids;
    }

    private static List<Long> range(final long from, final long to)
    {
        final List<Long> ids = new ArrayList<>();
        for (long id = from; id <= to; id++)
        {
            ids.add(id);
        }
        return ids;
    }

    private static List<Long> ids(final Directory dir)
    {
        return LongStream.of(WalLayout.segmentIds(dir, "wal")).boxed().toList();
    }

    @Test
    void theNextSegmentExistsAllZeroWhileTheWriterAppendsAndEveryReaderReadsItAsTheEnd()
    {
        try (WalWriter<byte[]> w = WalWriter.create(memory, BytesCodec.INSTANCE, INLINE);
            WalTailer<byte[]> tailer = WalTailer.open(memory, BytesCodec.INSTANCE, INLINE, ReplayMode.STRICT,
                WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
        {
            assertTrue(memory.exists("wal/wal-2.seg"), "named ahead when the writer opens");
            assertTrue(allZero(memory, "wal/wal-2.seg"));
            final List<Long> tailed = new ArrayList<>();
            long id = 0;
            while (w.currentSegmentId() < 6)
            {
                id = w.append(payload(id + 1));
                if (id % 7 == 0)
                {
                    w.flushAndSync();
                }
                // At every instant: the segment after the current one exists and is all zeros.
                final String next = WalLayout.segmentPath("wal", w.currentSegmentId() + 1);
                assertTrue(memory.exists(next), next);
                if (id % 13 == 0)
                {
                    assertTrue(allZero(memory, next), next);
                    assertEquals(range(1, id), replayIds(ReplayMode.STRICT), "strict replay beside the writer at " + id);
                    final WalVerdict verdict = new WalReader<>(memory, BytesCodec.INSTANCE, INLINE).check();
                    assertEquals(WalVerdict.State.CLEAN, verdict.state(), verdict.describe());
                    tailer.poll((eid, e) -> tailed.add(eid), Integer.MAX_VALUE);
                }
            }
            while (tailer.poll((eid, e) -> tailed.add(eid), Integer.MAX_VALUE) > 0)
            {
                // drain
            }
            assertEquals(range(1, id), tailed, "the tailer crossed every roll and waited at the named segment");
            final WalMetrics metrics = w.metrics();
            assertEquals(5, metrics.rolls());
            assertEquals(0, metrics.rollsWithoutSpare(), "every roll found its file named ahead");
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), ids(memory));
        }
        assertFalse(memory.exists("wal/wal-7.seg"), "close deletes the file named ahead");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), ids(memory));
    }

    /** The files a process crash leaves after a writer appended into segment {@code segment} and synced. */
    private PowerLossDirectory crashed;

    /** @return the last id appended (and made durable) before {@link #crashed} was taken. */
    private long appendIntoSegmentAndCrash(final long segment)
    {
        final WalWriter<byte[]> w = WalWriter.create(memory, BytesCodec.INSTANCE, INLINE);
        long id = 0;
        while (w.currentSegmentId() < segment)
        {
            id = w.append(payload(id + 1));
        }
        w.flushAndSync();
        crashed = memory.processCrash();
        return id;
    }

    @Test
    void anAbandonedWriterLeavesItsNamedSegmentWhichResumeDeletesWithoutCuttingAnything()
    {
        // A crash: no close. Segment 3 is current and unsealed, segment 4 named ahead.
        final long id = appendIntoSegmentAndCrash(3);
        final PowerLossDirectory afterCrash = crashed;
        assertTrue(afterCrash.exists("wal/wal-4.seg"));
        try (WalWriter<byte[]> resumed = WalWriter.resume(afterCrash, BytesCodec.INSTANCE, INLINE))
        {
            final RepairReport report = resumed.repairReport();
            assertEquals(WalVerdict.State.CLEAN, report.before().state(), report.describe());
            assertEquals(List.of("wal/wal-4.seg"), report.dropped());
            assertNull(report.cut());
            assertFalse(report.changedAnything(), "deleting a file that never held data is no repair: " + report.describe());
            assertTrue(report.describe().contains("deleted wal/wal-4.seg (named ahead by the last writer, never used)"),
                report.describe());
            assertEquals(id + 1, resumed.nextEntryId());
            assertEquals(3, resumed.currentSegmentId());
            assertTrue(afterCrash.exists("wal/wal-4.seg"), "named ahead again by the resumed writer");
        }
        final List<Long> ids = new ArrayList<>();
        new WalReader<>(afterCrash, BytesCodec.INSTANCE, INLINE).replayEach(ReplayMode.STRICT, (eid, e) -> ids.add(eid));
        assertEquals(range(1, id), ids);
    }

    @Test
    void truncationWithoutAWriterTreatsALeftNamedSegmentAsNothing()
    {
        final long id = appendIntoSegmentAndCrash(4);
        final PowerLossDirectory afterCrash = crashed;
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(afterCrash), "segment 5 named ahead, never used");
        // Everything is covered: every segment but the final one (4, not the named 5) goes.
        assertEquals(3, WalMaintenance.deleteSegmentsCoveredBy(afterCrash, INLINE, id));
        assertEquals(List.of(4L, 5L), ids(afterCrash));
    }

    @Test
    void aRollWhoseNamingAheadFailedCreatesItsOwnFileAndCountsIt()
    {
        final FaultInjectingDirectory faulty = new FaultInjectingDirectory(memory);
        // The writer's first creation is segment 1, the second names segment 2 ahead: that one fails.
        faulty.failOn(FaultInjectingDirectory.Op.CREATE, 1);
        try (WalWriter<byte[]> w = WalWriter.create(faulty, BytesCodec.INSTANCE, INLINE))
        {
            assertTrue(faulty.fired());
            assertFalse(memory.exists("wal/wal-2.seg"), "nothing named ahead");
            long id = 0;
            while (w.currentSegmentId() < 3)
            {
                id = w.append(payload(id + 1));
            }
            assertEquals(2, w.metrics().rolls());
            assertEquals(1, w.metrics().rollsWithoutSpare(), "the roll into segment 2 created its own file");
            w.flushAndSync();
            assertEquals(range(1, id), replayIds(ReplayMode.STRICT));
        }
    }

    @Test
    void whenTheRollCannotCreateTheFileEitherTheAppendFailsAndLosesNothing()
    {
        final FaultInjectingDirectory faulty = new FaultInjectingDirectory(memory);
        try (WalWriter<byte[]> w = WalWriter.create(faulty, BytesCodec.INSTANCE, INLINE))
        {
            long id = 0;
            while (w.currentSegmentId() < 2)
            {
                id = w.append(payload(id + 1));
            }
            // Segment 3 is named ahead now; fail naming segment 4 ahead, then the roll's own attempt.
            faulty.failOn(FaultInjectingDirectory.Op.CREATE, 0);
            while (w.currentSegmentId() < 3)
            {
                id = w.append(payload(id + 1));
            }
            assertTrue(faulty.fired());
            w.flushAndSync();
            faulty.failOn(FaultInjectingDirectory.Op.CREATE, 0);
            DurabilityException failure = null;
            while (failure == null)
            {
                try
                {
                    id = w.append(payload(id + 1));
                }
                catch (final DurabilityException ex)
                {
                    failure = ex;
                }
            }
            assertEquals(DurabilityException.Kind.IO, failure.kind(), failure.getMessage());
            assertEquals("wal/wal-4.seg", failure.file());
            assertEquals(id, w.lastEntryId(), "the failed append took no id");
            // The next append retries the roll, which now succeeds.
            final long next = w.append(payload(id + 1));
            assertEquals(id + 1, next);
            assertEquals(4, w.currentSegmentId());
            w.flushAndSync();
            assertEquals(range(1, next), replayIds(ReplayMode.STRICT));
        }
    }
}
