package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;

/** An open segment and what a {@link WalTailer} reads of its header while the writer lives. */
final class TailedSegment
{
    final SegmentFile file;
    final AtomicBuffer buffer;
    final SegmentHeader header;
    final String path;
    final long id;
    final int limit;
    private long watermarkWord;
    private int watermark;
    /** Where following the writer's frames (without validating them) got to: see {@link #sealVisible}. */
    int lookahead = SegmentDescriptor.HEADER_LENGTH;
    private boolean sealSeen;
    /** The tailer's checksum helper (single-threaded, shared by its segments). */
    private final Crc32cRange headerCrc;

    TailedSegment(
        final SegmentFile file, final SegmentHeader header, final String path, final long id, final int limit,
        final Crc32cRange headerCrc)
    {
        this.headerCrc = headerCrc;
        this.file = file;
        this.buffer = file.buffer();
        this.header = header;
        this.path = path;
        this.id = id;
        this.limit = limit;
        this.watermark = header.watermark();
        // Not the word itself: the first watermark() checks whatever the header holds by then.
        this.watermarkWord = 0;
    }

    /**
     * @return the header's durable watermark now: one 8-byte acquire load of the pair the writer
     * stores with one release store; checked (CRC and range) whenever it changed.
     */
    int watermark()
    {
        final long word = buffer.getLongVolatile(SegmentDescriptor.WATERMARK_OFFSET);
        if (word != watermarkWord)
        {
            final int w = SegmentDescriptor.watermarkOf(word);
            final int check = SegmentDescriptor.watermarkCheckOf(word);
            final int expected = headerCrc.computeInts(w, header.salt());
            if (check != expected)
            {
                throw new CrcMismatchException(
                    "segment watermark check mismatch", path, SegmentDescriptor.WATERMARK_CHECK_OFFSET, check,
                    expected);
            }
            if (w != 0 && (w < SegmentDescriptor.HEADER_LENGTH || w > header.capacity() || (w & 7) != 0))
            {
                throw DurabilityException.format(
                    "segment watermark out of range", path, SegmentDescriptor.WATERMARK_OFFSET,
                    "0 or an aligned offset in [64, " + header.capacity() + "]", w);
            }
            watermarkWord = word;
            watermark = Math.max(watermark, w);
        }
        return watermark;
    }

    /** Set when {@link #sealVisible} stopped at a slot holding something no writer leaves there. */
    boolean walkBlocked;
    /** When a zero slot last made the tailer look for a later segment's watermark (0: never). */
    long laterCheckedAt;

    /** @return whether the writer's seal of this segment is visible (following frame lengths from {@link #lookahead}). */
    boolean sealVisible()
    {
        while (!sealSeen && lookahead <= limit - FrameDescriptor.HEADER_LENGTH)
        {
            final long word = buffer.getLongVolatile(lookahead);
            final int length = FrameDescriptor.lengthOf(word);
            if (length < FrameDescriptor.HEADER_LENGTH || length > limit - lookahead ||
                buffer.getInt(FrameDescriptor.saltOffset(lookahead)) != header.salt())
            {
                // A zero commit word is where the writer has not written yet; anything else no writer
                // leaves (a damaged length or salt): the walk cannot go on, and waiting would not help.
                walkBlocked = word != 0;
                return false;
            }
            if (buffer.getShort(FrameDescriptor.typeOffset(lookahead)) == FrameDescriptor.TYPE_SEAL)
            {
                sealSeen = true;
            }
            else
            {
                lookahead += FrameDescriptor.align(length);
            }
        }
        return sealSeen;
    }

    /** Where the last {@link #skipDataFrames} stopped. */
    int skipEnd;

    /**
     * Walk plain data frames of this segment by their commit words (one 8-byte load each, plus the
     * frame's type, id, salt and length check; no CRC) from {@code p}, whose frame must carry {@code id},
     * up to the frame holding {@code target}; stop at the first frame that is not a plain data frame of
     * this segment with the next id and a consistent length. {@link #skipEnd} is where it stopped.
     *
     * @return the id of the frame at {@link #skipEnd}.
     */
    long skipDataFrames(final int from, final long firstId, final long target)
    {
        final int salt = header.salt();
        int p = from;
        long id = firstId;
        while (id < target && p <= limit - FrameDescriptor.HEADER_LENGTH)
        {
            final int length = FrameDescriptor.lengthOf(buffer.getLongVolatile(p));
            if (length < FrameDescriptor.HEADER_LENGTH || length > limit - p ||
                buffer.getShort(FrameDescriptor.flagsOffset(p)) != FrameDescriptor.lengthCheck(length) ||
                buffer.getShort(p + FrameDescriptor.TYPE_OFFSET) != FrameDescriptor.TYPE_DATA ||
                buffer.getInt(p + FrameDescriptor.SALT_OFFSET) != salt ||
                buffer.getLong(p + FrameDescriptor.ENTRY_ID_OFFSET) != id)
            {
                break;
            }
            p += FrameDescriptor.align(length);
            id++;
        }
        skipEnd = p;
        return id;
    }
}
