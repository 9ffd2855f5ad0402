package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link WalTailer}'s access to the segment chain: open a segment (or learn that it is being
 * created, was deleted by truncation, or is missing from the chain), find the segment holding an id,
 * and ask whether a later segment proves an earlier one durable. The rules and their errors are
 * {@link ChainJudge}'s, the same {@link WalScan} applies.
 */
final class TailedChain
{
    private final Directory directory;
    private final String walDir;
    private final int codecId;
    private final ReplayMode mode;
    private final Crc32cRange headerCrc;
    /** {@link WalTailer.Delivery#DURABLE}: a later segment whose watermark may prove the tailer's current one durable. */
    private TailedSegment probe;
    private int zeroStops;
    /** How often a tailer stopped at a zero slot asks whether a later segment proved its segment. */
    private static final long LATER_CHECK_NANOS = 200_000_000L;

    TailedChain(final Directory directory, final String walDir, final int codecId, final ReplayMode mode, final Crc32cRange headerCrc)
    {
        this.directory = directory;
        this.walDir = walDir;
        this.codecId = codecId;
        this.mode = mode;
        this.headerCrc = headerCrc;
    }

    /**
     * Open segment {@code id} if it exists and its header is initialized ({@code nextEntryId}: the
     * tailer's position, for the error when truncation deleted it).
     *
     * @return the segment, or {@code null} when it is being created (no file yet, or magic 0).
     * @throws DurabilityException INVALID_STATE when it is missing but a later one exists (truncation
     *                             deleted it); FORMAT, CRC_MISMATCH for a header that is neither valid
     *                             nor uninitialized, or that names another segment, or a file whose
     *                             length is not its capacity; INVALID_CONFIG on a codec mismatch.
     */
    TailedSegment open(final long id, final long nextEntryId)
    {
        final String path = WalLayout.segmentPath(walDir, id);
        SegmentFile file = openOrNull(path);
        if (file == null)
        {
            final long[] ids = WalLayout.segmentIds(directory, walDir);
            if (ids.length == 0 || ids[ids.length - 1] <= id)
            {
                return null; // not created yet
            }
            // A later segment exists, so this one was created before it: open it again (the writer may
            // have created both since the first attempt); missing now, it was deleted.
            file = openOrNull(path);
            if (file == null && ids[0] < id)
            {
                // An older segment is still there, and truncation deletes oldest first: a hole in the chain.
                long previous = ids[0];
                long next = id + 1;
                for (final long other : ids)
                {
                    if (other < id)
                    {
                        previous = other;
                    }
                    else if (other > id)
                    {
                        next = other;
                        break;
                    }
                }
                final ChainJudge.Judgement missing = ChainJudge.missing(walDir, previous, next, laterWatermarkAfter(id));
                if (missing.corrupt() || mode == ReplayMode.STRICT)
                {
                    throw missing.why();
                }
                return null; // best effort: the stream ends before the hole
            }
            if (file == null)
            {
                throw DurabilityException.invalidState(
                    "this tailer fell behind truncation: the segment holding its next entry " + nextEntryId +
                    " was deleted (deleteSegmentsCoveredBy) before it was read; recover from the checkpoint " +
                    "that covered it", path, -1, "segment " + id, "segments from " + ids[0] + " on");
            }
        }
        try
        {
            final UnsafeBuffer snapshot = SegmentHeader.snapshot(file.buffer());
            headerCrc.wrap(snapshot.byteBuffer());
            final SegmentHeader header;
            try
            {
                header = SegmentHeader.read(snapshot, headerCrc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
            }
            catch (final DurabilityException ex)
            {
                if (snapshot.capacity() >= 8 && snapshot.getLong(0) == 0 &&
                    file.capacity() >= SegmentDescriptor.HEADER_LENGTH)
                {
                    final long[] ids = WalLayout.segmentIds(directory, walDir);
                    final boolean stillZero = SegmentHeader.snapshot(file.buffer()).getLong(0) == 0;
                    file.close();
                    if (ids.length == 0 || ids[ids.length - 1] <= id || !stillZero)
                    {
                        return null; // being created; a resume may also replace it: open it afresh next time
                    }
                    // A later segment existed before the header was read again, and a writer initializes a
                    // header before it creates the next segment: judged as replay judges it.
                    final ChainJudge.Judgement uninitialized = ChainJudge.uninitialized(ex, laterWatermarkAfter(id));
                    if (uninitialized.corrupt() || mode == ReplayMode.STRICT)
                    {
                        throw uninitialized.why();
                    }
                    return null; // best effort: the stream ends before it
                }
                throw ex;
            }
            final DurabilityException problem = ChainJudge.header(path, id, header, directory.fileLength(path), codecId);
            if (problem != null)
            {
                throw problem;
            }
            return new TailedSegment(file, header, path, id, Math.min(file.capacity(), header.capacity()), headerCrc);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /** @return the segment file at {@code path}, or {@code null} when there is none. */
    SegmentFile openOrNull(final String path)
    {
        try
        {
            return directory.openSegment(path, false);
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() != DurabilityException.Kind.NOT_FOUND)
            {
                throw ex;
            }
            return null;
        }
    }

    /** @return whether a segment after {@code after} records a durable watermark. */
    boolean laterWatermarkAfter(final long after)
    {
        final long[] ids = WalLayout.segmentIds(directory, walDir);
        for (int i = ids.length - 1; i >= 0 && ids[i] > after; i--)
        {
            final TailedSegment later = open(ids[i], 0);
            if (later != null)
            {
                try
                {
                    if (later.watermark() > 0)
                    {
                        return true;
                    }
                }
                finally
                {
                    later.file.close();
                }
            }
        }
        return false;
    }

    /**
     * @return the open segment to scan for {@code entryId} (the last whose header reads and whose start
     * id is at most it; binary search), or {@code null} when the WAL's only segment, the first, is being created.
     */
    TailedSegment locate(final long[] ids, final long entryId)
    {
        int lo = 0;
        int hi = ids.length - 1;
        TailedSegment found = null;
        try
        {
            while (lo <= hi)
            {
                final int mid = entryId == WalTailer.FIRST ? lo : (lo + hi) >>> 1;
                final TailedSegment s = open(ids[mid], 0);
                if (s == null)
                {
                    if (mid == ids.length - 1 && mid > 0)
                    {
                        hi = mid - 1;
                        continue;
                    }
                    if (mid == 0 && ids.length == 1 && ids[0] == 1 && (entryId <= 1 || entryId == WalTailer.END))
                    {
                        return null; // the first segment is being created
                    }
                    throw DurabilityException.format("segment file vanished or was never initialized while a tailer " +
                        "opened (an uninitialized header before the newest segment is corruption)",
                        WalLayout.segmentPath(walDir, ids[mid]), 0, "a readable segment header", "none");
                }
                if (entryId == WalTailer.FIRST || s.header.startEntryId() <= entryId)
                {
                    if (found != null)
                    {
                        found.file.close();
                    }
                    found = s;
                    if (entryId == WalTailer.FIRST)
                    {
                        break;
                    }
                    lo = mid + 1;
                }
                else
                {
                    s.file.close();
                    hi = mid - 1;
                }
            }
        }
        catch (final RuntimeException ex)
        {
            if (found != null)
            {
                found.file.close();
            }
            throw ex;
        }
        if (found == null)
        {
            // Every segment starts after entryId; FIRST always finds the first one.
            final TailedSegment first = open(ids[0], 0);
            final long start = first == null ? -1 : first.header.startEntryId();
            if (first != null)
            {
                first.file.close();
            }
            throw DurabilityException.notFound(
                "entry " + entryId + " is no longer in the WAL (truncation deleted the segments holding it)",
                WalLayout.segmentPath(walDir, ids[0]), SegmentDescriptor.START_ENTRY_ID_OFFSET,
                "an entry id >= " + start, entryId);
        }
        return found;
    }

    /**
     * Whether a segment after the current one records a non-zero watermark, which a writer stores only
     * once every earlier segment, its seal and its folder entry are durable. The tailer follows the
     * writer's seals (by their lengths and types alone: a hint, the scan validates every frame it
     * delivers) to the newest segment it can see, holding at most that one open besides the current.
     */
    boolean provenByLater(final TailedSegment current, final int position, final long segmentId, final long nextEntryId)
    {
        while (true)
        {
            final TailedSegment s = probe != null ? probe : current;
            if (probe != null && probe.watermark() > 0)
            {
                return true;
            }
            if (s == current)
            {
                s.lookahead = Math.max(s.lookahead, position);
            }
            if (!s.sealVisible())
            {
                // A frame the walk cannot pass (damage) in a segment a later barrier proved durable: the
                // scan judges it (and names it) instead of the tailer waiting for it forever.
                if (s.walkBlocked)
                {
                    return laterRecordsAWatermark(segmentId);
                }
                return zeroSlotProven(s, segmentId);
            }
            final TailedSegment next = open(s.id + 1, nextEntryId);
            if (next == null)
            {
                return false;
            }
            if (probe != null)
            {
                probe.file.close();
            }
            probe = next;
        }
    }

    /**
     * At a zero slot no watermark of its segment covers: where the writer has not written yet, or
     * damage (a zeroed sector) in a segment a later one proved complete. The later segments (a
     * directory listing) are looked at on the first such stop in a segment, then at most every
     * {@link #LATER_CHECK_NANOS} (a clock read every 256 stops): never on every idle poll.
     *
     * @return whether a later segment records a durable watermark (the zero is damage: the scan names it).
     */
    boolean zeroSlotProven(final TailedSegment s, final long segmentId)
    {
        if (s.laterCheckedAt != 0)
        {
            if ((++zeroStops & 255) != 0 || System.nanoTime() - s.laterCheckedAt < LATER_CHECK_NANOS)
            {
                return false;
            }
        }
        s.laterCheckedAt = Math.max(1, System.nanoTime());
        return laterRecordsAWatermark(segmentId);
    }

    /** Best effort at a torn write: is there a later segment whose header records a watermark? */
    boolean laterRecordsAWatermark(final long segmentId)
    {
        if (probe != null && probe.watermark() > 0)
        {
            return true;
        }
        return laterWatermarkAfter(segmentId);
    }

    /** @return the probed segment when it is {@code id} (handed over: the chain no longer holds it), else {@code null}. */
    TailedSegment takeProbe(final long id)
    {
        if (probe != null && probe.id == id)
        {
            final TailedSegment s = probe;
            probe = null;
            return s;
        }
        return null;
    }

    void closeProbe()
    {
        if (probe != null)
        {
            probe.file.close();
            probe = null;
        }
    }
}
