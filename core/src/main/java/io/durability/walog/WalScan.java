package io.durability.walog;

import io.durability.frame.Crc32cRange;
import io.durability.frame.FrameCursor;
import io.durability.frame.SegmentDescriptor;
import io.durability.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;

/**
 * The one walk over a WAL folder, shared by replay, resume and the tools. It applies the
 * torn-tail-versus-corruption rules of {@link ReplayMode} and reports where valid data ends.
 */
final class WalScan
{
    /** Where a scan ended and what it found. */
    static final class Result
    {
        long[] segmentIds = new long[0];
        SegmentHeader[] headers = new SegmentHeader[0];
        /** Index (into segmentIds) of the segment holding the end of valid data; -1 when there is none. */
        int lastIndex = -1;
        /** Offset in that segment where valid data ends (the next frame slot, or the seal's offset). */
        int endOffset;
        /** Whether that segment ends with a seal. */
        boolean sealed;
        /** The id the next appended entry gets. */
        long nextEntryId = 1;
        /** The first entry id present (the start of the first segment). */
        long firstEntryId = 1;
        /** Entries delivered to the handler. */
        long entries;
        /** When a torn tail stopped the scan: where, and why. */
        int tornOffset = -1;
        DurabilityException tornProblem;
        /** Segments after lastIndex to discard (torn header, or unsynced after a tolerated tear). */
        final List<Long> discardedSegmentIds = new ArrayList<>();
    }

    private static final FrameHandler IGNORE = (id, buffer, offset, length) -> { };

    private WalScan()
    {
    }

    /**
     * @param fromLastSynced when true (resume), frames are validated only from the last segment that
     *                       records a durable watermark (or the final one); earlier segments' headers
     *                       are still checked.
     */
    static Result scan(
        final Directory directory, final String walDir, final ReplayMode mode, final boolean fromLastSynced,
        final FrameHandler handlerOrNull)
    {
        final FrameHandler handler = handlerOrNull == null ? IGNORE : handlerOrNull;
        final Result result = new Result();
        final long[] ids = WalLayout.segmentIds(directory, walDir);
        result.segmentIds = ids;
        final int n = ids.length;
        if (n == 0)
        {
            return result;
        }

        final Crc32cRange crc = new Crc32cRange();
        final SegmentHeader[] headers = new SegmentHeader[n];
        final DurabilityException[] headerErrors = new DurabilityException[n];
        final boolean[] torn = new boolean[n];
        boolean uninitialized = false;
        result.headers = headers;
        for (int i = 0; i < n; i++)
        {
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                crc.wrap(segment.byteBuffer());
                try
                {
                    headers[i] = SegmentHeader.read(segment.buffer(), crc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
                }
                catch (final DurabilityException ex)
                {
                    headerErrors[i] = ex;
                    torn[i] = SegmentHeader.isTorn(segment.buffer(), crc);
                    uninitialized = i == n - 1 && SegmentHeader.isUninitialized(segment.buffer());
                }
            }
        }
        // A torn header (creation interrupted) is tolerated in best effort when every segment from it on
        // is torn or unsynced (no barrier completed after its creation, so nothing after it is durable).
        int m = uninitialized ? n - 1 : n;
        if (mode == ReplayMode.BEST_EFFORT)
        {
            for (int i = n - 1; i >= 0; i--)
            {
                final boolean unsynced = headers[i] != null && headers[i].watermark() == 0;
                if (!torn[i] && !unsynced)
                {
                    break;
                }
                if (torn[i])
                {
                    m = i;
                }
            }
        }
        for (int i = 0; i < m; i++)
        {
            if (headers[i] == null)
            {
                throw headerErrors[i];
            }
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            if (headers[i].segmentId() != ids[i])
            {
                throw DurabilityException.format(
                    "segment id in header does not match the file name", path, SegmentDescriptor.SEGMENT_ID_OFFSET,
                    ids[i], headers[i].segmentId());
            }
            if (i > 0 && ids[i] != ids[i - 1] + 1)
            {
                throw DurabilityException.format(
                    "a segment file is missing between " + WalLayout.segmentPath(walDir, ids[i - 1]) + " and this one",
                    path, -1, "segment " + (ids[i - 1] + 1), "segment " + ids[i]);
            }
        }
        for (int i = m; i < n; i++)
        {
            result.discardedSegmentIds.add(ids[i]);
        }
        if (m == 0)
        {
            if (ids[0] != 1)
            {
                throw DurabilityException.format(
                    "the first remaining segment has a torn header, so the next entry id cannot be known",
                    WalLayout.segmentPath(walDir, ids[0]), 0, "a readable header", "torn header");
            }
            result.nextEntryId = 1;
            return result;
        }
        result.firstEntryId = headers[0].startEntryId();

        // unsyncedFrom: the first index from which every segment records no durable watermark.
        int unsyncedFrom = m;
        while (unsyncedFrom > 0 && headers[unsyncedFrom - 1].watermark() == 0)
        {
            unsyncedFrom--;
        }
        int start = 0;
        if (fromLastSynced)
        {
            start = Math.max(0, Math.min(m - 1, unsyncedFrom - 1));
        }

        final FrameCursor cursor = new FrameCursor();
        long expected = headers[start].startEntryId();
        for (int i = start; i < m; i++)
        {
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            final SegmentHeader header = headers[i];
            if (header.startEntryId() != expected)
            {
                throw DurabilityException.format(
                    "segment does not start where the previous segment's seal says", path,
                    SegmentDescriptor.START_ENTRY_ID_OFFSET, expected, header.startEntryId());
            }
            final boolean isLast = i == m - 1;
            final boolean laterUnsynced = i + 1 >= unsyncedFrom;
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                cursor.wrap(
                    segment.buffer(), segment.byteBuffer(), path, Math.min(segment.capacity(), header.capacity()),
                    header.salt(), header.startEntryId());
                while (true)
                {
                    final int r = cursor.next();
                    if (r == FrameCursor.FRAME)
                    {
                        result.entries++;
                        handler.onFrame(cursor.entryId(), cursor.buffer(), cursor.payloadOffset(), cursor.payloadLength());
                        continue;
                    }
                    if (r == FrameCursor.SEAL)
                    {
                        if (isLast)
                        {
                            return finish(result, i, cursor.frameOffset(), true, cursor.entryId(), m, ids);
                        }
                        expected = cursor.entryId();
                        break;
                    }
                    if (r == FrameCursor.END)
                    {
                        if (isLast)
                        {
                            return finish(result, i, cursor.position(), false, cursor.expectedEntryId(), m, ids);
                        }
                        if (mode == ReplayMode.BEST_EFFORT && laterUnsynced)
                        {
                            return finish(result, i, cursor.position(), false, cursor.expectedEntryId(), m, ids);
                        }
                        throw DurabilityException.format(
                            "segment ends without a seal but is not the final segment (corruption, or a lost file)",
                            path, cursor.position(), "a seal frame", "end of data");
                    }
                    // BAD
                    final boolean tolerable = mode == ReplayMode.BEST_EFFORT && (isLast || laterUnsynced) &&
                        cursor.frameOffset() >= header.watermark();
                    if (!tolerable)
                    {
                        throw cursor.problem();
                    }
                    result.tornOffset = cursor.frameOffset();
                    result.tornProblem = cursor.problem();
                    return finish(result, i, cursor.frameOffset(), false, cursor.expectedEntryId(), m, ids);
                }
            }
        }
        throw new IllegalStateException("unreachable: the last segment always ends the scan");
    }

    private static Result finish(
        final Result result, final int index, final int endOffset, final boolean sealed, final long nextEntryId,
        final int validHeaders, final long[] ids)
    {
        result.lastIndex = index;
        result.endOffset = endOffset;
        result.sealed = sealed;
        result.nextEntryId = nextEntryId;
        for (int k = index + 1; k < validHeaders; k++)
        {
            result.discardedSegmentIds.add(ids[k]);
        }
        result.discardedSegmentIds.sort(null);
        return result;
    }
}
