package io.durability.recordlog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.internal.frame.SegmentScanner;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.walog.FrameHandler;
import io.durability.walog.ReplayMode;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a record log. Strict reads fail on any damage; best-effort reads stop at a torn tail (a bad
 * frame at or above the file's durable watermark that shows the all-zero sector a torn write leaves)
 * and still fail on corruption: the same rules as the WAL's final segment (docs/FORMAT.md).
 */
public final class RecordLogReader
{
    private RecordLogReader()
    {
    }

    /**
     * @return every record, in order.
     * @throws DurabilityException NOT_FOUND, FORMAT, CRC_MISMATCH.
     */
    public static List<byte[]> read(final Directory directory, final String path, final ReplayMode mode)
    {
        final List<byte[]> records = new ArrayList<>();
        readEach(directory, path, mode, (seq, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            records.add(bytes);
        });
        return records;
    }

    /**
     * Stream every record in place (no allocation per record); the handler's id is the sequence
     * number.
     *
     * @return the number of records delivered.
     */
    public static long readEach(
        final Directory directory, final String path, final ReplayMode mode, final FrameHandler handler)
    {
        return scan(directory, path, mode, false, handler).records;
    }

    static final class Scan
    {
        SegmentHeader header;
        int endOffset;
        int garbageEnd;
        long nextSequence = 1;
        long records;
    }

    /** The same per-segment rules as the WAL's final segment ({@link SegmentScanner}): one scanner for every walker. */
    static Scan scan(
        final Directory directory, final String path, final ReplayMode mode, final boolean repair,
        final FrameHandler handler)
    {
        final Scan scan = new Scan();
        try (SegmentFile file = directory.openSegment(path, false))
        {
            final UnsafeBuffer snapshot = SegmentHeader.snapshot(file.buffer());
            final Crc32cRange crc = new Crc32cRange();
            crc.wrap(snapshot.byteBuffer());
            try
            {
                scan.header = SegmentHeader.read(snapshot, crc, path, SegmentDescriptor.KIND_RECORD_LOG);
            }
            catch (final DurabilityException ex)
            {
                // Created but never initialized (the magic is written last): an empty log.
                if (snapshot.capacity() >= 8 && snapshot.getLong(0) == 0 &&
                    (file.capacity() < SegmentDescriptor.HEADER_LENGTH + 8 ||
                    file.buffer().getLong(SegmentDescriptor.HEADER_LENGTH) == 0))
                {
                    scan.header = null;
                    return scan;
                }
                throw ex;
            }
            final long length = directory.fileLength(path);
            if (length != scan.header.capacity())
            {
                throw DurabilityException.format(
                    "record log file length differs from the capacity in its header (a truncated or extended file)",
                    path, -1, scan.header.capacity() + " bytes", length + " bytes");
            }
            final int limit = Math.min(file.capacity(), scan.header.capacity());
            final SegmentScanner scanner = repair ?
                new SegmentScanner().wrapForRepair(file.buffer(), file.byteBuffer(), path, scan.header, limit) :
                new SegmentScanner().wrap(file.buffer(), file.byteBuffer(), path, scan.header, limit);
            while (true)
            {
                final int r = scanner.next();
                if (r == SegmentScanner.FRAME)
                {
                    scan.records++;
                    if (handler != null)
                    {
                        final FrameCursor c = scanner.cursor();
                        handler.onFrame(c.entryId(), c.buffer(), c.payloadOffset(), c.payloadLength());
                    }
                    continue;
                }
                if (r == SegmentScanner.SEALED)
                {
                    throw DurabilityException.format(
                        "record logs are never sealed", path, scanner.endOffset(), "a record", "a seal frame");
                }
                if (r == SegmentScanner.CORRUPT || r == SegmentScanner.TORN && mode == ReplayMode.STRICT)
                {
                    throw scanner.problem();
                }
                scan.endOffset = scanner.endOffset();
                scan.garbageEnd = scanner.garbageEnd();
                scan.nextSequence = scanner.nextEntryId();
                return scan;
            }
        }
    }
}
