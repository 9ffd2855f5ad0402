package io.durability.internal.frame;

import io.durability.storage.CrcMismatchException;
import io.durability.storage.DurabilityException;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.ByteBuffer;

import static io.durability.internal.frame.FrameDescriptor.*;

/**
 * Walks the frames of one segment, validating each: the one reader of the frame format, shared by
 * the record log, the WAL, recovery and the tools.
 *
 * <p>A reusable flyweight: {@link #wrap} allocates nothing per segment beyond one
 * {@link ByteBuffer#duplicate()}, and {@link #next()} allocates nothing unless it reports a bad
 * frame. Not thread-safe.
 */
public final class FrameCursor
{
    /** {@link #next()} found a data frame: see {@link #entryId()}, {@link #payloadOffset()}, {@link #payloadLength()}. */
    public static final int FRAME = 1;
    /** {@link #next()} found the seal frame: the segment is complete; {@link #entryId()} is the next segment's first id. */
    public static final int SEAL = 2;
    /**
     * {@link #next()} reached the end of data: a zero length, no room for another frame header, or
     * a frame from an earlier life of the file (another salt).
     */
    public static final int END = 3;
    /**
     * {@link #next()} found a frame that cannot be whole (length out of range, CRC mismatch), which a
     * torn write can produce: see {@link #problem()}.
     */
    public static final int BAD = 4;

    /** {@link #badKind()}: the length is outside {@code [24, room]}; a torn write never does this. */
    public static final int BAD_LENGTH_RANGE = 1;
    /** {@link #badKind()} (format 2): the length is zero but the CRC stored with it in one store is not. */
    public static final int BAD_LENGTH_LOST = 2;
    /** {@link #badKind()} (format 2): the length disagrees with the length check in the Flags field. */
    public static final int BAD_LENGTH_CHECK = 3;
    /** {@link #badKind()}: the CRC does not match the bytes it covers. */
    public static final int BAD_CRC = 4;
    /** {@link #badKind()}: the padding after the payload is not zero. */
    public static final int BAD_PADDING = 5;

    private final Crc32cRange crc = new Crc32cRange();
    private AtomicBuffer buffer;
    private String file;
    private int limit;
    private int salt;
    private int position;
    private long expectedEntryId;
    private boolean legacy;
    private int badKind;

    private int frameOffset;
    private long entryId;
    private int payloadLength;
    private DurabilityException problem;

    /**
     * Start at the first frame of a segment.
     *
     * @param buffer         the segment's bytes.
     * @param memory         the same bytes as a direct ByteBuffer (for the CRC intrinsic).
     * @param file           the file name used in errors.
     * @param limit          the end of the readable area (file length).
     * @param salt           the segment salt frames must carry.
     * @param firstEntryId   the id the first frame must carry.
     */
    public FrameCursor wrap(
        final AtomicBuffer buffer, final ByteBuffer memory, final String file, final int limit, final int salt,
        final long firstEntryId)
    {
        return wrap(buffer, memory, file, limit, salt, firstEntryId, SegmentDescriptor.FORMAT_VERSION);
    }

    /**
     * Start at the first frame of a segment of format {@code version} (1: the length alone is stored
     * last and Flags are not checked; 2: length and CRC are stored together and Flags hold the length
     * check).
     */
    public FrameCursor wrap(
        final AtomicBuffer buffer, final ByteBuffer memory, final String file, final int limit, final int salt,
        final long firstEntryId, final int version)
    {
        this.legacy = version < 2;
        this.badKind = 0;
        this.buffer = buffer;
        this.crc.wrap(memory);
        this.file = file;
        this.limit = Math.min(limit, buffer.capacity());
        this.salt = salt;
        this.position = SegmentDescriptor.HEADER_LENGTH;
        this.expectedEntryId = firstEntryId;
        this.problem = null;
        return this;
    }

    /**
     * Advance to the next frame.
     *
     * @return {@link #FRAME}, {@link #SEAL}, {@link #END} or {@link #BAD}; after {@code END} or
     * {@code BAD} the cursor stays put and {@link #position()} is the offset of the failing slot, so
     * that a reader following a live writer may call {@code next()} again to re-read that slot.
     * @throws DurabilityException FORMAT for a frame whose CRC is valid but whose content is not
     *                             (unknown type, entry id out of sequence, seal with a payload): those
     *                             are never torn writes.
     */
    public int next()
    {
        final int offset = position;
        frameOffset = offset;
        if (offset > limit - HEADER_LENGTH)
        {
            return END;
        }
        // Length and CRC in one 8-byte acquire load: the writer commits them with one release store,
        // so a reader beside it sees both or neither (two 4-byte loads could see a frame committed
        // between them as "length 0, CRC set", a false error).
        final long commitWord = buffer.getLongVolatile(lengthOffset(offset));
        final int length = lengthOf(commitWord);
        final int storedCrc = crcOf(commitWord);
        if (length == 0)
        {
            if (!legacy && storedCrc != 0)
            {
                return bad(BAD_LENGTH_LOST, DurabilityException.format(
                    "frame length is zero but its CRC, stored with it in one write, is not", file, offset,
                    "a frame length, or 0 in both", String.format("length 0, CRC 0x%08x", storedCrc)));
            }
            return END;
        }
        if (length < HEADER_LENGTH || length > limit - offset)
        {
            return bad(BAD_LENGTH_RANGE, DurabilityException.format(
                "frame length out of range", file, offset,
                "[" + HEADER_LENGTH + ", " + (limit - offset) + "]", length));
        }
        if (!legacy && buffer.getShort(flagsOffset(offset)) != lengthCheck(length))
        {
            return bad(BAD_LENGTH_CHECK, DurabilityException.format(
                "frame length does not match its length check", file, flagsOffset(offset),
                String.format("0x%04x (the check of length %d)", lengthCheck(length) & 0xFFFF, length),
                String.format("0x%04x", buffer.getShort(flagsOffset(offset)) & 0xFFFF)));
        }
        final int actualCrc = crc.compute(offset + CRC_COVERAGE_OFFSET, length - CRC_COVERAGE_OFFSET);
        if (storedCrc != actualCrc)
        {
            return bad(BAD_CRC, new CrcMismatchException("frame CRC mismatch", file, offset, storedCrc, actualCrc));
        }
        for (int i = offset + length, end = offset + align(length); i < end; i++)
        {
            if (buffer.getByte(i) != 0)
            {
                return bad(BAD_PADDING,
                    DurabilityException.format("frame padding is not zero", file, i, 0, buffer.getByte(i)));
            }
        }
        if (buffer.getInt(saltOffset(offset)) != salt)
        {
            return END;
        }
        final short type = buffer.getShort(typeOffset(offset));
        final long id = buffer.getLong(entryIdOffset(offset));
        if (type != TYPE_DATA && type != TYPE_SEAL)
        {
            throw DurabilityException.format("unknown frame type", file, typeOffset(offset), "1 or 2", type);
        }
        if (id != expectedEntryId)
        {
            throw DurabilityException.format(
                "entry id out of sequence", file, entryIdOffset(offset), expectedEntryId, id);
        }
        entryId = id;
        if (type == TYPE_SEAL)
        {
            if (length != HEADER_LENGTH)
            {
                throw DurabilityException.format("seal frame has a payload", file, offset, HEADER_LENGTH, length);
            }
            payloadLength = 0;
            return SEAL;
        }
        if (offset + align(length) > limit - HEADER_LENGTH)
        {
            // Writers keep room for the seal after the last data frame (SegmentAppender): a CRC-valid
            // data frame in that room was never written by one, and a roll after it could not seal.
            throw DurabilityException.format("a data frame ends inside the room kept for the seal", file, offset,
                "a frame ending at or before offset " + (limit - HEADER_LENGTH), "a frame ending at offset " +
                (offset + align(length)));
        }
        payloadLength = length - HEADER_LENGTH;
        position = offset + align(length);
        expectedEntryId = id + 1;
        return FRAME;
    }

    /**
     * Move back to the frame slot at {@code offset}, which must carry {@code entryId}: a live reader
     * that did not consume the frame it just read (its handler threw) reads it again on the next
     * {@link #next()}. The offset must be one this cursor returned as a {@link #frameOffset()}.
     *
     * @param offset  the frame's offset.
     * @param entryId the id the frame carries.
     */
    public void rewind(final int offset, final long entryId)
    {
        position = offset;
        expectedEntryId = entryId;
        problem = null;
        badKind = 0;
    }

    private int bad(final int kind, final DurabilityException why)
    {
        badKind = kind;
        problem = why;
        return BAD;
    }

    /** @return which check the last {@link #BAD} failed: one of the {@code BAD_*} constants. */
    public int badKind()
    {
        return badKind;
    }

    /** @return the end of the readable area this cursor was wrapped with. */
    public int limit()
    {
        return limit;
    }

    /** @return the offset of the frame (or slot) {@link #next()} last looked at. */
    public int frameOffset()
    {
        return frameOffset;
    }

    /** @return the offset of the next slot to read: the end of the valid data so far. */
    public int position()
    {
        return position;
    }

    /** @return the id of the last frame returned, or the next segment's first id after {@link #SEAL}. */
    public long entryId()
    {
        return entryId;
    }

    /** @return the id the next data frame must carry. */
    public long expectedEntryId()
    {
        return expectedEntryId;
    }

    /** @return the payload offset of the last frame returned. */
    public int payloadOffset()
    {
        return frameOffset + HEADER_LENGTH;
    }

    /** @return the payload length of the last frame returned. */
    public int payloadLength()
    {
        return payloadLength;
    }

    /** @return the buffer being read. */
    public AtomicBuffer buffer()
    {
        return buffer;
    }

    /** @return why the last {@link #BAD} was returned. */
    public DurabilityException problem()
    {
        return problem;
    }
}
