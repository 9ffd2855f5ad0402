package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.SegmentScanner;
import io.durability.internal.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Reports on every segment of a WAL folder independently, without stopping at the first problem:
 * for tools ({@code durability inspect}) and diagnostics. It never writes. Each segment is judged
 * alone by the same per-segment rules replay uses; the verdict on the WAL as a whole (which of these
 * problems is a torn tail of the stream) is {@link WalReader#check()}'s.
 */
public final class WalInspector
{
    /**
     * One segment as found.
     *
     * @param segmentId    the id in the file name.
     * @param path         the file.
     * @param fileLength   bytes in the file.
     * @param header       the validated header, or {@code null} when it does not read (its
     *                     {@link SegmentHeader#codecId()} names the codec that wrote the segment); with
     *                     {@code problem} {@code null} too, the segment is one a writer named ahead
     *                     ({@link NextSegment}): never initialized, the newest, no frame, no data.
     * @param entries      valid data frames from the start, up to the first problem or the end.
     * @param lastEntryId  the id of the last of them ({@code startEntryId - 1} when none; 0 without header).
     * @param bytesUsed    where the valid frames (and the seal) end.
     * @param sealed       whether the valid frames end with a seal.
     * @param problem      the first problem (bad header, bad frame, sequence), or {@code null}.
     */
    public record SegmentReport(
        long segmentId, String path, long fileLength, SegmentHeader header, long entries, long lastEntryId,
        int bytesUsed, boolean sealed, DurabilityException problem)
    {
        /**
         * @return the {@link io.durability.codec.Codec#id() codec id} the header records; {@code 0}
         * when it records none (format 1 or 2, a codec of id 0) or does not read.
         */
        public int codecId()
        {
            return header == null ? 0 : header.codecId();
        }
    }

    private WalInspector()
    {
    }

    /** @return a report per segment, in numeric order. */
    public static List<SegmentReport> inspect(final Directory directory, final WalOptions options)
    {
        return inspect(directory, options, null);
    }

    /**
     * {@link #inspect(Directory, WalOptions)}, streaming to {@code framesOrNull} every frame each
     * segment's report counts: the valid frames from the segment's start up to its first problem,
     * segment by segment, <b>including segments after a damaged one</b>. That is salvage for
     * forensics, not a replay: ids may jump where a segment was damaged, and nothing here says that
     * the frames after the damage were acknowledged or belong to the stream (the verdict,
     * {@link WalReader#check()}, decides that).
     *
     * @param framesOrNull the frames' consumer, or {@code null}; a handler that throws ends the
     *                     inspection with its exception.
     */
    public static List<SegmentReport> inspect(
        final Directory directory, final WalOptions options, final FrameHandler framesOrNull)
    {
        final List<SegmentReport> reports = new ArrayList<>();
        final Crc32cRange crc = new Crc32cRange();
        final SegmentScanner scanner = new SegmentScanner();
        final long[] ids = WalLayout.segmentIds(directory, options.walDir());
        for (int i = 0; i < ids.length; i++)
        {
            final long id = ids[i];
            final String path = WalLayout.segmentPath(options.walDir(), id);
            final long length = directory.fileLength(path);
            try (SegmentFile segment = directory.openSegment(path, false))
            {
                final ChainJudge.HeaderRead read = ChainJudge.readHeader(segment, crc, path, i == ids.length - 1);
                final SegmentHeader header = read.header();
                if (header == null)
                {
                    // A segment named ahead (never initialized, the newest, no frame): no header, no problem.
                    reports.add(new SegmentReport(id, path, length, null, 0, 0, 0, false, read.problem()));
                    continue;
                }
                scanner.wrap(segment.buffer(), segment.byteBuffer(), path, header,
                    Math.min(segment.capacity(), header.capacity()));
                long entries = 0;
                DurabilityException problem = null;
                boolean sealed = false;
                int used;
                int r;
                while ((r = scanner.next()) == SegmentScanner.FRAME)
                {
                    entries++;
                    if (framesOrNull != null)
                    {
                        final io.durability.internal.frame.FrameCursor c = scanner.cursor();
                        framesOrNull.onFrame(c.entryId(), c.buffer(), c.payloadOffset(), c.payloadLength());
                    }
                }
                if (r == SegmentScanner.SEALED)
                {
                    sealed = true;
                    used = scanner.endOffset() + io.durability.internal.frame.FrameDescriptor.HEADER_LENGTH;
                }
                else
                {
                    used = scanner.endOffset();
                    if (r == SegmentScanner.TORN || r == SegmentScanner.CORRUPT)
                    {
                        problem = scanner.problem();
                    }
                }
                if (problem == null)
                {
                    problem = ChainJudge.header(path, id, header, length, 0);
                }
                reports.add(new SegmentReport(id, path, length, header, entries,
                    header.startEntryId() + entries - 1, used, sealed, problem));
            }
        }
        return reports;
    }
}
