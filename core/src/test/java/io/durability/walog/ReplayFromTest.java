package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.testing.Damage;
import io.durability.testing.SyncRecordingDirectory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link WalReader#replayEachFrom}: what recovery's second pass reads. It delivers what a whole replay
 * delivers from the segment holding the id on, judges those frames and the tail as a whole replay
 * does, gives the earlier segments the structural checks only (a damaged seal is found, a flipped bit
 * inside an earlier frame is not: the caller judged those frames just before), and never skips a
 * segment after the last one a watermark proves.
 */
class ReplayFromTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096).withSaltSeed(3);

    private static Directory wal(final boolean closeCleanly)
    {
        final Directory dir = new SyncRecordingDirectory();
        final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
        for (long id = 1; id <= 200; id++)
        {
            w.append(new byte[100 + (int)(id % 50)]);
            if (id == 120)
            {
                w.flushAndSync();
                w.syncWatermark();
            }
        }
        if (closeCleanly)
        {
            w.close();
        }
        return dir;
    }

    private static List<Long> from(final Directory dir, final ReplayMode mode, final long fromId)
    {
        final List<Long> ids = new ArrayList<>();
        new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayEachFrom(mode, fromId, null, (id, e) -> ids.add(id));
        return ids;
    }

    private static long startOfSegmentHolding(final Directory dir, final long id)
    {
        long start = 1;
        for (final SegmentRange r : WalMaintenance.segmentRanges(dir, OPTIONS))
        {
            if (r.startEntryId() <= id)
            {
                start = r.startEntryId();
            }
        }
        return start;
    }

    @Test
    void deliversFromTheSegmentHoldingTheIdOnAsAWholeReplayDoes()
    {
        try (Directory dir = wal(true))
        {
            for (final long fromId : new long[] {0, 1, 2, 57, 150, 200, 201})
            {
                final List<Long> ids = from(dir, ReplayMode.STRICT, fromId);
                final long first = fromId <= 1 ? 1 : startOfSegmentHolding(dir, Math.min(fromId, 200));
                assertEquals(first, ids.get(0), "from " + fromId);
                assertEquals(200, ids.get(ids.size() - 1));
                assertEquals(200 - first + 1, ids.size());
            }
        }
    }

    @Test
    void findsDamagedSealsButNotBitsInsideEarlierFramesWhichTheCallerJudged()
    {
        try (Directory dir = wal(true))
        {
            final List<SegmentRange> ranges = WalMaintenance.segmentRanges(dir, OPTIONS);
            assertTrue(ranges.size() > 6, "segments: " + ranges.size());
            final String early = WalLayout.segmentPath(OPTIONS.walDir(), ranges.get(1).segmentId());
            final long fromId = ranges.get(5).startEntryId() + 1;

            // A flipped bit inside a frame of an early segment: the whole replay names it, the replay
            // from a later segment does not read that frame.
            final int inFrame = Damage.frames(dir, early, SegmentDescriptor.KIND_WAL_SEGMENT).get(2).offset() + 30;
            Damage.flipByte(dir, early, inFrame);
            final DurabilityException whole = assertThrows(DurabilityException.class,
                () -> new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayEach(ReplayMode.STRICT, (id, e) -> { }));
            assertEquals(early, whole.file());
            assertEquals(ranges.get(5).startEntryId(), from(dir, ReplayMode.STRICT, fromId).get(0));
            Damage.flipByte(dir, early, inFrame);

            // Its seal zeroed: the structural check finds it in every mode.
            final List<Damage.FrameSpan> spans = Damage.frames(dir, early, SegmentDescriptor.KIND_WAL_SEGMENT);
            final Damage.FrameSpan seal = spans.get(spans.size() - 1);
            assertTrue(seal.seal());
            Damage.zero(dir, early, seal.offset(), seal.offset() + seal.length());
            for (final ReplayMode mode : ReplayMode.values())
            {
                final DurabilityException lost = assertThrows(DurabilityException.class, () -> from(dir, mode, fromId));
                assertEquals(early, lost.file(), mode.name());
                assertTrue(lost.getMessage().contains("without a seal"), lost.getMessage());
            }
        }
    }

    @Test
    void readsEverySegmentAfterTheLastProvenOneWhole()
    {
        // The writer synced at entry 120 and was not closed: the segments after the one holding 120 are proven by
        // no watermark, so a damaged frame in one of them is read and judged even when the id asked for lies after it.
        try (Directory dir = wal(false))
        {
            final List<SegmentRange> ranges = WalMaintenance.segmentRanges(dir, OPTIONS);
            int unproven = -1;
            for (int i = 0; i < ranges.size() - 1; i++)
            {
                if (ranges.get(i).startEntryId() > 120)
                {
                    unproven = i;
                    break;
                }
            }
            assertTrue(unproven >= 0 && unproven < ranges.size() - 1, "an unproven segment before the last: " + ranges);
            final String path = WalLayout.segmentPath(OPTIONS.walDir(), ranges.get(unproven).segmentId());
            final int inFrame = Damage.frames(dir, path, SegmentDescriptor.KIND_WAL_SEGMENT).get(1).offset() + 30;
            Damage.flipByte(dir, path, inFrame);
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> from(dir, ReplayMode.STRICT, ranges.get(ranges.size() - 1).startEntryId()));
            assertEquals(path, ex.file());
        }
    }
}
