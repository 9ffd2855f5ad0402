package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.internal.frame.SegmentScanner;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The one walk over a WAL folder: replay, verify, resume, maintenance and the tools all call it, and
 * it returns the one {@link WalVerdict}. The per-segment decisions (end of data, torn write,
 * corruption) are {@link SegmentScanner}'s; this class adds the rules between segments.
 *
 * <h2>Between segments</h2>
 * Let {@code L} be the last segment whose header records a non-zero durable watermark. A writer
 * records one only after a completed barrier made every earlier segment (and its seal) and every
 * folder entry durable, so on a directory with stable storage:
 * <ul>
 *   <li>segments up to {@code L} must all be there, whole: full length, a readable header naming
 *   the file, consecutive ids, a seal ending each one before {@code L} and naming the next one's
 *   first id; anything else is corruption;</li>
 *   <li>segments after {@code L} were created after the last completed barrier: nothing in them was
 *   acknowledged. The stream may end anywhere among them where a power cut can leave it (a missing
 *   segment file, a header that never reached the disk, a seal that never did, a torn frame) and
 *   the segments after that point are dropped.</li>
 * </ul>
 * A torn frame or a missing seal is accepted only in {@code L} or after it.
 */
final class WalScan
{
    /** What a scan found, with what resume needs beyond the verdict. */
    static final class Result
    {
        WalVerdict verdict;
        long[] segmentIds = new long[0];
        SegmentHeader[] headers = new SegmentHeader[0];
        /** Index of the segment holding the end of valid data; -1 when there is none. */
        int lastIndex = -1;
        /** Index of the last segment with a durable watermark ({@code L}); -1 when none. */
        int lastProven = -1;
        /** Offset in that segment where valid data ends (the next frame slot, or the seal's offset). */
        int endOffset;
        /** One past the last non-zero byte after endOffset (the bytes a repair zeroes). */
        int garbageEnd;
        /** Whether that segment ends with a seal. */
        boolean sealed;
        /** The id the next appended entry gets. */
        long nextEntryId = 1;
        /** Segment ids after the end of valid data, oldest first. */
        final List<Long> droppedSegmentIds = new ArrayList<>();
    }

    private static final int HEADER_OK = 0;
    private static final int HEADER_UNINITIALIZED = 1;
    private static final int HEADER_BAD = 2;

    private static final FrameHandler IGNORE = (id, buffer, offset, length) -> { };

    private WalScan()
    {
    }

    /**
     * @param allFrames when false (resume), frames are validated only from the last segment with a durable
     *                  watermark on; the segments before it get the structural checks (length, header,
     *                  ids, seal) at a cost that does not grow with their size.
     * @throws DurabilityException IO or NOT_FOUND (failures to read, not verdicts); and, when
     *                             {@code handlerOrNull} throws, what it throws.
     */
    static Result scan(
        final Directory directory, final String walDir, final boolean allFrames, final FrameHandler handlerOrNull)
    {
        return scan(directory, walDir, allFrames, false, handlerOrNull);
    }

    /**
     * @param repair when true (resume), the bytes after the end of valid data are looked at up to the end
     *               of the segment, so that the cut covers every stale byte; readers look
     *               {@link SegmentScanner#READER_PROBE} bytes far.
     */
    static Result scan(
        final Directory directory, final String walDir, final boolean allFrames, final boolean repair,
        final FrameHandler handlerOrNull)
    {
        return scan(directory, walDir, allFrames, repair, 0, handlerOrNull);
    }

    /**
     * @param codecId the id of the codec the caller decodes or writes with ({@code 0}: any): when a
     *                header that reads records a non-zero id other than it, the scan throws before it
     *                looks at any frame (pass 1 reads every header anyway: no per-frame cost).
     * @throws DurabilityException INVALID_CONFIG on such a codec mismatch.
     */
    static Result scan(
        final Directory directory, final String walDir, final boolean allFrames, final boolean repair,
        final int codecId, final FrameHandler handlerOrNull)
    {
        return scan(directory, walDir, allFrames, repair, codecId, 0, handlerOrNull);
    }

    /**
     * @param fromEntryId with {@code allFrames}, frames are validated (and handed over) only from the
     *                    segment that holds this id on, or from the last segment with a durable watermark
     *                    when that comes first; the segments before get resume's structural checks (length,
     *                    header, ids, seal). {@code <= 1}: every frame. The verdict's entry count then counts
     *                    the frames read.
     */
    static Result scan(
        final Directory directory, final String walDir, final boolean allFrames, final boolean repair,
        final int codecId, final long fromEntryId, final FrameHandler handlerOrNull)
    {
        final FrameHandler handler = handlerOrNull == null ? IGNORE : handlerOrNull;
        final Result result = new Result();
        final long[] ids = WalLayout.segmentIds(directory, walDir);
        result.segmentIds = ids;
        final int n = ids.length;
        if (n == 0)
        {
            result.verdict = new WalVerdict(WalVerdict.State.CLEAN, 0, 0, 0, 0, 1, null, null, List.of(), true);
            return result;
        }

        // Pass 1: one consistent snapshot of every header, and every file's length.
        final Crc32cRange crc = new Crc32cRange();
        final SegmentHeader[] headers = new SegmentHeader[n];
        final int[] headerState = new int[n];
        final DurabilityException[] headerErrors = new DurabilityException[n];
        final long[] lengths = new long[n];
        final boolean[] noFrameAtStart = new boolean[n];
        result.headers = headers;
        for (int i = 0; i < n; i++)
        {
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                lengths[i] = directory.fileLength(path);
                // The first frame word before the header: a writer stores the magic before any frame, so
                // a frame seen here means a header seen below is the real one (never a half-made view).
                final boolean frameAtStart = !ChainJudge.firstSlotEmpty(segment);
                final UnsafeBuffer snapshot = SegmentHeader.snapshot(segment.buffer());
                crc.wrap(snapshot.byteBuffer());
                try
                {
                    headers[i] = SegmentHeader.read(snapshot, crc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
                    headerState[i] = HEADER_OK;
                }
                catch (final DurabilityException ex)
                {
                    headerErrors[i] = ex;
                    final boolean magicZero = snapshot.capacity() < 8 || snapshot.getLong(0) == 0;
                    headerState[i] = magicZero && lengths[i] >= SegmentDescriptor.HEADER_LENGTH ?
                        HEADER_UNINITIALIZED : HEADER_BAD;
                    noFrameAtStart[i] = !frameAtStart;
                }
            }
            catch (final DurabilityException ex)
            {
                if (i == n - 1 && ex.kind() == DurabilityException.Kind.NOT_FOUND)
                {
                    // The newest segment went away after the listing (a folder listing is not atomic with
                    // the opens after it): a writer deletes the segment it named ahead when it closes, a
                    // resume the segments it drops. Read the folder again; a missing segment before the
                    // newest is left to the chain rules.
                    return scan(directory, walDir, allFrames, repair, codecId, fromEntryId, handlerOrNull);
                }
                throw ex;
            }
        }
        if (codecId != 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (headerState[i] == HEADER_OK && headers[i].codecId() != 0 && headers[i].codecId() != codecId)
                {
                    throw ChainJudge.codecMismatch(WalLayout.segmentPath(walDir, ids[i]), codecId, headers[i].codecId());
                }
            }
        }
        int lastProven = -1;
        for (int i = n - 1; i >= 0; i--)
        {
            if (headerState[i] == HEADER_OK && headers[i].watermark() > 0)
            {
                lastProven = i;
                break;
            }
        }
        result.lastProven = lastProven;

        // Structure: segments up to lastProven must be whole; after it the stream ends at the first
        // state a power cut can leave, and corruption is still corruption.
        int m = n;
        DurabilityException tail = null;
        for (int i = 0; i < n; i++)
        {
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            final boolean proven = i <= lastProven;
            if (i > 0 && ids[i] != ids[i - 1] + 1)
            {
                final ChainJudge.Judgement missing = ChainJudge.missing(walDir, ids[i - 1], ids[i], proven);
                if (missing.corrupt())
                {
                    return corrupt(result, n, missing.why());
                }
                tail = missing.why();
                m = i;
                break;
            }
            if (headerState[i] == HEADER_UNINITIALIZED && !proven)
            {
                m = i;
                if (!ChainJudge.namedAhead(i == n - 1, noFrameAtStart[i]))
                {
                    tail = ChainJudge.uninitialized(headerErrors[i], false).why();
                }
                break;
            }
            if (headerState[i] != HEADER_OK)
            {
                return corrupt(result, n, headerErrors[i]);
            }
            final DurabilityException headerProblem = ChainJudge.header(path, ids[i], headers[i], lengths[i], 0);
            if (headerProblem != null)
            {
                return corrupt(result, n, headerProblem);
            }
        }
        for (int i = m; i < n; i++)
        {
            result.droppedSegmentIds.add(ids[i]);
        }
        if (m == 0)
        {
            if (ids[0] != 1)
            {
                return corrupt(result, n, DurabilityException.format(
                    "no segment of this WAL is readable, so where it starts cannot be known",
                    WalLayout.segmentPath(walDir, ids[0]), 0, "a readable segment header", "none"));
            }
            result.nextEntryId = 1;
            result.verdict = verdict(result, tail == null ? WalVerdict.State.CLEAN : WalVerdict.State.TORN_TAIL, n, 0, 0,
                tail, null, walDir, allFrames);
            return result;
        }
        final long firstEntryId = headers[0].startEntryId();

        // Pass 2: frames.
        // Frames are skipped only in segments a later watermark proves (where the bounded seal check is the
        // structural rule resume applies too); the segments after the last proven one are always read whole.
        final int start = !allFrames ? Math.max(0, Math.min(m - 1, lastProven)) :
            fromEntryId <= 1 ? 0 : Math.min(segmentHolding(headers, m, fromEntryId), Math.max(0, lastProven));
        for (int i = 0; i < start; i++)
        {
            final DurabilityException sealProblem = checkSeal(directory, walDir, ids[i], headers[i], headers[i + 1]);
            if (sealProblem != null)
            {
                return corrupt(result, n, sealProblem);
            }
        }
        final SegmentScanner scanner = new SegmentScanner();
        long expected = headers[start].startEntryId();
        long entries = 0;
        for (int i = start; i < m; i++)
        {
            final String path = WalLayout.segmentPath(walDir, ids[i]);
            final SegmentHeader header = headers[i];
            if (header.startEntryId() != expected)
            {
                result.nextEntryId = expected;
                return corrupt(result, n, ChainJudge.wrongStart(path, expected, header.startEntryId()), entries,
                    firstEntryId, allFrames);
            }
            final boolean isLast = i == m - 1;
            // A tear or a missing seal is a power-loss tail only where no later segment proves anything.
            final boolean mayEndHere = i >= lastProven;
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                final int limit = Math.min(segment.capacity(), header.capacity());
                if (repair)
                {
                    scanner.wrapForRepair(segment.buffer(), segment.byteBuffer(), path, header, limit);
                }
                else
                {
                    scanner.wrap(segment.buffer(), segment.byteBuffer(), path, header, limit);
                }
                while (true)
                {
                    final int r = scanner.next();
                    if (r == SegmentScanner.FRAME)
                    {
                        entries++;
                        final FrameCursor c = scanner.cursor();
                        handler.onFrame(c.entryId(), c.buffer(), c.payloadOffset(), c.payloadLength());
                        continue;
                    }
                    result.nextEntryId = scanner.nextEntryId();
                    if (r == SegmentScanner.SEALED)
                    {
                        if (isLast)
                        {
                            return finish(result, i, scanner, true, tail, n, m, entries, firstEntryId, walDir, allFrames);
                        }
                        expected = scanner.nextEntryId();
                        break;
                    }
                    if (r == SegmentScanner.CORRUPT)
                    {
                        return corrupt(result, n, scanner.problem(), entries, firstEntryId, allFrames);
                    }
                    if (r == SegmentScanner.END)
                    {
                        if (isLast)
                        {
                            return finish(result, i, scanner, false, tail, n, m, entries, firstEntryId, walDir, allFrames);
                        }
                        final ChainJudge.Judgement unsealed = ChainJudge.unsealed(path, scanner.endOffset(), !mayEndHere);
                        if (unsealed.corrupt())
                        {
                            return corrupt(result, n, unsealed.why(), entries, firstEntryId, allFrames);
                        }
                        return finish(result, i, scanner, false, unsealed.why(), n, m, entries, firstEntryId, walDir,
                            allFrames);
                    }
                    // TORN
                    final ChainJudge.Judgement torn = ChainJudge.torn(scanner.problem(), scanner.endOffset(),
                        header.watermark(), !isLast && !mayEndHere);
                    if (torn.corrupt())
                    {
                        return corrupt(result, n, torn.why(), entries, firstEntryId, allFrames);
                    }
                    return finish(result, i, scanner, false, torn.why(), n, m, entries, firstEntryId, walDir, allFrames);
                }
            }
        }
        throw new IllegalStateException("unreachable: the last segment always ends the scan");
    }

    /** @return the index of the last of the first {@code m} segments that starts at or before {@code entryId} (0 if none). */
    private static int segmentHolding(final SegmentHeader[] headers, final int m, final long entryId)
    {
        int at = 0;
        for (int i = 1; i < m && headers[i].startEntryId() <= entryId; i++)
        {
            at = i;
        }
        return at;
    }

    /**
     * The codec id the readable segment headers of a WAL agree on (headers only: O(number of segments)).
     *
     * @return the non-zero id every header that records one records; {@code 0} when none records one.
     * @throws DurabilityException FORMAT when two headers record different non-zero ids; IO, NOT_FOUND.
     */
    static int recordedCodecId(final Directory directory, final String walDir)
    {
        final Crc32cRange crc = new Crc32cRange();
        int recorded = 0;
        String recordedIn = null;
        for (final long id : WalLayout.segmentIds(directory, walDir))
        {
            final String path = WalLayout.segmentPath(walDir, id);
            final SegmentHeader header;
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                final UnsafeBuffer snapshot = SegmentHeader.snapshot(segment.buffer());
                crc.wrap(snapshot.byteBuffer());
                header = SegmentHeader.read(snapshot, crc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
            }
            catch (final DurabilityException ex)
            {
                if (ex.kind() == DurabilityException.Kind.IO || ex.kind() == DurabilityException.Kind.NOT_FOUND)
                {
                    throw ex;
                }
                continue; // a header that does not read records nothing; the verdict says what it is
            }
            final int codecId = header.codecId();
            if (codecId == 0)
            {
                continue;
            }
            if (recorded == 0)
            {
                recorded = codecId;
                recordedIn = path;
            }
            else if (codecId != recorded)
            {
                throw DurabilityException.format(
                    "segments of this WAL record different codec ids (" + recordedIn + " records " + recorded + ")",
                    path, SegmentDescriptor.CODEC_ID_OFFSET, recorded, codecId);
            }
        }
        return recorded;
    }

    /**
     * The bounded check of a sealed segment before the last proven one: its last non-zero bytes must
     * be a seal naming the next segment's first id. Falls back to walking its frames when they are not
     * (bytes after a seal, left by a codec that reported it did not fit).
     *
     * @return the problem, or {@code null}.
     */
    private static DurabilityException checkSeal(
        final Directory directory, final String walDir, final long id, final SegmentHeader header,
        final SegmentHeader next)
    {
        final String path = WalLayout.segmentPath(walDir, id);
        try (SegmentFile segment = directory.openSegment(path, false))
        {
            final int limit = Math.min(segment.capacity(), header.capacity());
            final SegmentScanner scanner = new SegmentScanner().wrap(
                segment.buffer(), segment.byteBuffer(), path, header, limit);
            // The seal's last 8-byte word holds its salt (non-zero), so it ends at the last non-zero word.
            final int end = SegmentScanner.lastNonZeroEnd(segment.buffer(), SegmentDescriptor.HEADER_LENGTH, limit);
            final int sealOffset = ((end - 1) & ~(FrameDescriptor.ALIGNMENT - 1)) - 16;
            if (scanner.isSealAt(sealOffset, next.startEntryId()))
            {
                return null;
            }
            int r;
            do
            {
                r = scanner.next();
            }
            while (r == SegmentScanner.FRAME);
            if (r == SegmentScanner.SEALED)
            {
                return scanner.nextEntryId() == next.startEntryId() ? null :
                    ChainJudge.wrongStart(WalLayout.segmentPath(walDir, id + 1), scanner.nextEntryId(), next.startEntryId());
            }
            if (r == SegmentScanner.CORRUPT)
            {
                return scanner.problem();
            }
            return r == SegmentScanner.END ? ChainJudge.unsealed(path, scanner.endOffset(), true).why() :
                ChainJudge.torn(scanner.problem(), scanner.endOffset(), header.watermark(), true).why();
        }
    }

    private static Result finish(
        final Result result, final int index, final SegmentScanner scanner, final boolean sealed,
        final DurabilityException problem, final int n, final int m, final long entries, final long firstEntryId,
        final String walDir, final boolean allFrames)
    {
        // Without a problem, a segment after this one can only be the newest, never initialized and
        // frameless (pass 1 ends the stream with a tail at any other): the writer's next segment named
        // ahead, or one a roll had just created. The end of the WAL, sealed or not (ChainJudge.namedAhead).
        return finishAs(result, index, scanner, sealed, problem, n, m, entries, firstEntryId, walDir, allFrames);
    }

    private static Result finishAs(
        final Result result, final int index, final SegmentScanner scanner, final boolean sealed,
        final DurabilityException problem, final int n, final int m, final long entries, final long firstEntryId,
        final String walDir, final boolean allFrames)
    {
        result.lastIndex = index;
        result.endOffset = scanner.endOffset();
        result.garbageEnd = sealed ? scanner.endOffset() : scanner.garbageEnd();
        result.sealed = sealed;
        result.nextEntryId = scanner.nextEntryId();
        final List<Long> later = new ArrayList<>();
        for (int k = index + 1; k < m; k++)
        {
            later.add(result.segmentIds[k]);
        }
        result.droppedSegmentIds.addAll(0, later);
        final String path = WalLayout.segmentPath(walDir, result.segmentIds[index]);
        final WalVerdict.Cut cut = result.garbageEnd > result.endOffset ?
            new WalVerdict.Cut(path, result.endOffset, result.garbageEnd, problem != null) : null;
        result.verdict = verdict(result, problem == null ? WalVerdict.State.CLEAN : WalVerdict.State.TORN_TAIL, n,
            entries, firstEntryId, problem, cut, walDir, allFrames);
        return result;
    }

    private static WalVerdict verdict(
        final Result result, final WalVerdict.State state, final int n, final long entries, final long firstEntryId,
        final DurabilityException problem, final WalVerdict.Cut cut, final String walDir, final boolean allFrames)
    {
        final List<String> dropped = new ArrayList<>();
        for (final long id : result.droppedSegmentIds)
        {
            dropped.add(WalLayout.segmentPath(walDir, id));
        }
        final long last = result.nextEntryId - 1;
        return new WalVerdict(state, n, entries, last >= firstEntryId && firstEntryId > 0 ? firstEntryId : 0,
            last >= firstEntryId && firstEntryId > 0 ? last : 0, result.nextEntryId, problem, cut, dropped, allFrames);
    }

    private static Result corrupt(final Result result, final int n, final DurabilityException problem)
    {
        return corrupt(result, n, problem, 0, 0, true);
    }

    private static Result corrupt(
        final Result result, final int n, final DurabilityException problem, final long entries,
        final long firstEntryId, final boolean allFrames)
    {
        result.lastIndex = -1;
        result.droppedSegmentIds.clear();
        final long last = entries > 0 ? result.nextEntryId - 1 : 0;
        result.verdict = new WalVerdict(WalVerdict.State.CORRUPT, n, entries, entries > 0 ? firstEntryId : 0, last, 0,
            problem, null, List.of(), allFrames);
        return result;
    }
}
