package io.durability.recordlog;

import io.durability.frame.Crc32cRange;
import io.durability.frame.FrameCursor;
import io.durability.frame.SegmentDescriptor;
import io.durability.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.walog.FrameHandler;
import io.durability.walog.ReplayMode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a record log. Strict reads fail on any damage; best-effort reads stop at a torn tail (a bad
 * frame at or above the file's durable watermark, or a header that was never completed) and still
 * fail on corruption below the watermark.
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
        return scan(directory, path, mode, handler).records;
    }

    static final class Scan
    {
        SegmentHeader header;
        int endOffset;
        long nextSequence = 1;
        long records;
    }

    static Scan scan(final Directory directory, final String path, final ReplayMode mode, final FrameHandler handler)
    {
        final Scan scan = new Scan();
        try (SegmentFile file = directory.openSegment(path, false))
        {
            final Crc32cRange crc = new Crc32cRange();
            crc.wrap(file.byteBuffer());
            try
            {
                scan.header = SegmentHeader.read(file.buffer(), crc, path, SegmentDescriptor.KIND_RECORD_LOG);
            }
            catch (final DurabilityException ex)
            {
                if (SegmentHeader.isUninitialized(file.buffer()) ||
                    mode == ReplayMode.BEST_EFFORT && SegmentHeader.isTorn(file.buffer(), crc))
                {
                    return scan;
                }
                throw ex;
            }
            final FrameCursor cursor = new FrameCursor().wrap(
                file.buffer(), file.byteBuffer(), path, Math.min(file.capacity(), scan.header.capacity()),
                scan.header.salt(), scan.header.startEntryId());
            while (true)
            {
                final int r = cursor.next();
                if (r == FrameCursor.FRAME)
                {
                    scan.records++;
                    if (handler != null)
                    {
                        handler.onFrame(cursor.entryId(), cursor.buffer(), cursor.payloadOffset(), cursor.payloadLength());
                    }
                    continue;
                }
                if (r == FrameCursor.SEAL)
                {
                    throw DurabilityException.format(
                        "record logs are never sealed", path, cursor.frameOffset(), "a record", "a seal frame");
                }
                if (r == FrameCursor.BAD &&
                    !(mode == ReplayMode.BEST_EFFORT && cursor.frameOffset() >= scan.header.watermark()))
                {
                    throw cursor.problem();
                }
                scan.endOffset = r == FrameCursor.END ? cursor.position() : cursor.frameOffset();
                scan.nextSequence = cursor.expectedEntryId();
                return scan;
            }
        }
    }
}
