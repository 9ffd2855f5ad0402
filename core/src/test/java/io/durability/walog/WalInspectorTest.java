package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** WalInspector reports every segment on its own, never stopping at the first problem. */
class WalInspectorTest
{
    private static final int SEGMENT = 1024;
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT);

    private final Directory dir = new MemoryDirectory();

    @AfterEach
    void close()
    {
        dir.close();
    }

    private void append(final int n)
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            for (int id = 1; id <= n; id++)
            {
                w.append(("entry-" + id + "-" + "x".repeat(id % 29)).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static String seg(final long id)
    {
        return WalLayout.segmentPath("wal", id);
    }

    @Test
    void cleanMultiSegmentWalHasContiguousIdsSealsAndAFinalSegment()
    {
        append(100);
        final List<WalInspector.SegmentReport> reports = WalInspector.inspect(dir, OPTIONS);
        assertTrue(reports.size() >= 3, "small segments roll: " + reports.size());
        long expectedStart = 1;
        for (int i = 0; i < reports.size(); i++)
        {
            final WalInspector.SegmentReport r = reports.get(i);
            final boolean last = i == reports.size() - 1;
            assertEquals(i + 1, r.segmentId());
            assertEquals(seg(i + 1), r.path());
            assertEquals(SEGMENT, r.fileLength());
            assertNotNull(r.header());
            assertNull(r.problem(), String.valueOf(r.problem()));
            assertEquals(expectedStart, r.header().startEntryId(), "ids continue across segments");
            assertTrue(r.entries() > 0);
            assertEquals(r.header().startEntryId() + r.entries() - 1, r.lastEntryId());
            assertEquals(!last, r.sealed(), "every segment but the last is sealed");
            assertEquals(Damage.dataEnd(dir, r.path(), KIND), r.bytesUsed(), "data ends after the last frame or the seal");
            expectedStart = r.lastEntryId() + 1;
        }
        assertEquals(100, reports.get(reports.size() - 1).lastEntryId());
    }

    @Test
    void damagedFrameIsReportedWithItsOffsetAndLaterSegmentsAreStillReported()
    {
        append(100);
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(1), KIND);
        final Damage.FrameSpan victim = frames.get(3);
        Damage.flipByte(dir, seg(1), victim.offset() + victim.length() - 1);

        final List<WalInspector.SegmentReport> reports = WalInspector.inspect(dir, OPTIONS);
        final WalInspector.SegmentReport first = reports.get(0);
        assertNotNull(first.problem());
        assertEquals(DurabilityException.Kind.CRC_MISMATCH, first.problem().kind());
        assertEquals(seg(1), first.problem().file());
        assertEquals(victim.offset(), first.problem().offset());
        assertEquals(3, first.entries(), "the frames before the damage");
        assertEquals(victim.entryId() - 1, first.lastEntryId());
        assertEquals(victim.offset(), first.bytesUsed());
        assertFalse(first.sealed());
        for (final WalInspector.SegmentReport r : reports.subList(1, reports.size()))
        {
            assertNull(r.problem(), "one bad segment does not hide the others: " + r.problem());
            assertTrue(r.entries() > 0);
        }
    }

    @Test
    void badHeaderGivesNoHeaderAndAProblem()
    {
        append(100);
        Damage.flipByte(dir, seg(2), SegmentDescriptor.MAGIC_OFFSET);

        final List<WalInspector.SegmentReport> reports = WalInspector.inspect(dir, OPTIONS);
        final WalInspector.SegmentReport bad = reports.get(1);
        assertEquals(2, bad.segmentId());
        assertNull(bad.header());
        assertNotNull(bad.problem());
        assertEquals(DurabilityException.Kind.FORMAT, bad.problem().kind());
        assertEquals(seg(2), bad.problem().file());
        assertEquals(0, bad.problem().offset());
        assertEquals(0, bad.entries());
        assertEquals(SEGMENT, bad.fileLength());
        assertNotNull(reports.get(0).header());
        assertNotNull(reports.get(2).header());
    }

    @Test
    void emptyWalFolderHasNoReports()
    {
        assertEquals(List.of(), WalInspector.inspect(dir, OPTIONS));
    }
}
