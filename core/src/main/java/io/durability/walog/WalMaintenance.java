package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.testhook.CrashPoints;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Maintenance of a WAL folder without a writer: per-segment entry ranges and deletion of segments
 * fully covered by an entry id. With a live writer, use {@link WalWriter#segmentRanges()} and
 * {@link WalWriter#deleteSegmentsCoveredBy(long)} instead (this class takes the WAL lock).
 */
public final class WalMaintenance
{
    private WalMaintenance()
    {
    }

    /**
     * @return the segments, oldest first, with the entries each holds; the final segment's range comes
     * from a best-effort scan of its tail.
     * @throws io.durability.storage.DurabilityException on corruption, as {@link WalReader} does.
     */
    public static List<SegmentRange> segmentRanges(final Directory directory, final WalOptions options)
    {
        final WalScan.Result scan = WalScan.scan(directory, options.walDir(), false, null);
        scan.verdict.throwIfNotAccepted(ReplayMode.BEST_EFFORT);
        if (scan.lastIndex < 0)
        {
            return List.of();
        }
        return ranges(directory, options, scan.segmentIds[scan.lastIndex], scan.nextEntryId);
    }

    /**
     * The disk space a WAL's data takes: every segment file's length but the last one's, whose bytes
     * count up to its last non-zero byte (a segment's file is created at full capacity). A last segment
     * that cannot be opened counts whole. Reads without the WAL lock; nothing is changed.
     *
     * @return bytes, 0 for an empty or missing WAL.
     */
    public static long bytesInUse(final Directory directory, final WalOptions options)
    {
        final long[] ids = WalLayout.segmentIds(directory, options.walDir());
        long total = 0;
        for (int i = 0; i < ids.length; i++)
        {
            final String path = WalLayout.segmentPath(options.walDir(), ids[i]);
            if (i < ids.length - 1)
            {
                total += directory.fileLength(path);
                continue;
            }
            try (SegmentFile last = directory.openSegment(path, false))
            {
                total += io.durability.internal.frame.SegmentScanner.lastNonZeroEnd(last.buffer(), 0, last.capacity());
            }
            catch (final io.durability.storage.DurabilityException ex)
            {
                total += directory.fileLength(path);
            }
        }
        return total;
    }

    /**
     * Delete segments whose every entry id is {@code <= entryId}, oldest first, never the final one.
     * Takes the WAL lock, so it fails with {@code LOCK_FAILED} while a writer is open.
     *
     * @return the number of segments deleted.
     */
    public static int deleteSegmentsCoveredBy(final Directory directory, final WalOptions options, final long entryId)
    {
        try (DirectoryLock ignored = directory.obtainLock(WalLayout.lockPath(options.walDir())))
        {
            final long[] ids = WalLayout.segmentIds(directory, options.walDir());
            if (ids.length == 0)
            {
                return 0;
            }
            // A newest segment never initialized (named ahead by a writer that did not close) holds nothing:
            // the one before it is the final segment.
            final long last = ids[ids.length - 1];
            final boolean namedAhead = ids.length > 1 && uninitialized(directory, options, last);
            return deleteCovered(directory, options, entryId, namedAhead ? ids[ids.length - 2] : last);
        }
    }

    static List<SegmentRange> ranges(
        final Directory directory, final WalOptions options, final long finalSegmentId, final long nextEntryId)
    {
        final long[] ids = WalLayout.segmentIds(directory, options.walDir());
        final List<SegmentRange> ranges = new ArrayList<>(ids.length);
        final Crc32cRange crc = new Crc32cRange();
        long[] starts = new long[ids.length];
        int count = 0;
        for (final long id : ids)
        {
            if (id > finalSegmentId)
            {
                break;
            }
            starts[count++] = readHeader(directory, options, id, crc).startEntryId();
        }
        for (int i = 0; i < count; i++)
        {
            final boolean isFinal = ids[i] == finalSegmentId;
            final long last = isFinal ? nextEntryId - 1 : starts[i + 1] - 1;
            ranges.add(new SegmentRange(ids[i], WalLayout.segmentPath(options.walDir(), ids[i]), starts[i], last, isFinal));
        }
        return ranges;
    }

    static int deleteCovered(
        final Directory directory, final WalOptions options, final long entryId, final long activeSegmentId)
    {
        final long[] ids = WalLayout.segmentIds(directory, options.walDir());
        final Crc32cRange crc = new Crc32cRange();
        int deleted = 0;
        String lastDeleted = null;
        for (int i = 0; i + 1 < ids.length && ids[i + 1] <= activeSegmentId; i++)
        {
            final long nextStart = readHeader(directory, options, ids[i + 1], crc).startEntryId();
            if (nextStart - 1 > entryId)
            {
                break;
            }
            if (deleted > 0)
            {
                CrashPoints.hit(CrashPoints.TRUNCATE_MID);
            }
            lastDeleted = WalLayout.segmentPath(options.walDir(), ids[i]);
            directory.delete(lastDeleted);
            deleted++;
            if (directory.supportsDurability())
            {
                // One folder sync per deletion: unsynced folder entries may reach the disk in any order,
                // and the oldest-first order is what keeps the remaining segments contiguous after a
                // power cut (a gap in the middle would be read as a lost segment).
                directory.syncParentDir(lastDeleted);
            }
        }
        return deleted;
    }

    /** @return whether segment {@code id}'s magic is 0 (never initialized). */
    private static boolean uninitialized(final Directory directory, final WalOptions options, final long id)
    {
        try (SegmentFile segment = directory.openSegment(WalLayout.segmentPath(options.walDir(), id), false))
        {
            return segment.capacity() >= 8 && segment.buffer().getLongVolatile(SegmentDescriptor.MAGIC_OFFSET) == 0;
        }
    }

    private static SegmentHeader readHeader(
        final Directory directory, final WalOptions options, final long id, final Crc32cRange crc)
    {
        final String path = WalLayout.segmentPath(options.walDir(), id);
        try (SegmentFile segment = directory.openSegment(path, false))
        {
            crc.wrap(segment.byteBuffer());
            return SegmentHeader.read(segment.buffer(), crc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
        }
    }
}
