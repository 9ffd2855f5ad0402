package io.durability.internal.frame;

/**
 * Layout of one frame, the unit both logs store. Frames start at 8-byte aligned offsets inside a
 * segment, after the {@link SegmentDescriptor segment header}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Frame Length (int32, LE)                               |  0
 *  +---------------------------------------------------------------+
 *  |        CRC32C of bytes [8, Frame Length)                      |  4
 *  |        (length and CRC: one 8-byte release store, last)       |
 *  +---------------------------------------------------------------+
 *  |        Entry Id (int64, LE)                                   |  8
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |        Type (int16)           | Flags: length check (int16)   | 16
 *  +-------------------------------+-------------------------------+
 *  |        Segment Salt (int32): the salt of the segment header   | 20
 *  +---------------------------------------------------------------+
 *  |        Payload (Frame Length - 24 bytes)                     ...| 24
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |        Padding to the next multiple of 8 (not covered)       ...|
 * </pre>
 *
 * <p>Frame Length counts the header and the payload, not the padding; {@code 0} means end of data.
 * The writer stores the payload, then the header fields (Flags: {@link #lengthCheck}), and commits
 * by storing length and CRC together last, in one aligned 8-byte release store (format version 1:
 * the CRC, then the length alone, Flags 0), so a process killed at any instant leaves a whole frame
 * or 8 zero bytes. The CRC covers the entry id, type, flags and salt as well as the payload, so a
 * damaged id is detected; the salt ties a frame to one life of its segment file.
 */
public final class FrameDescriptor
{
    /** Frames start at multiples of this many bytes. */
    public static final int ALIGNMENT = 8;

    /** Bytes before the payload. */
    public static final int HEADER_LENGTH = 24;

    /** Offset of the frame length within a frame. */
    public static final int LENGTH_OFFSET = 0;

    /** Offset of the CRC32C within a frame. */
    public static final int CRC_OFFSET = 4;

    /** Offset of the first byte the CRC covers. */
    public static final int CRC_COVERAGE_OFFSET = 8;

    /** Offset of the entry id within a frame. */
    public static final int ENTRY_ID_OFFSET = 8;

    /** Offset of the type within a frame. */
    public static final int TYPE_OFFSET = 16;

    /** Offset of the flags within a frame. */
    public static final int FLAGS_OFFSET = 18;

    /** Offset of the segment salt within a frame. */
    public static final int SALT_OFFSET = 20;

    /** A frame carrying one entry's payload. */
    public static final short TYPE_DATA = 1;

    /**
     * The last frame of a rolled segment: no payload, entry id = the first id of the next segment.
     * Its presence proves the segment was complete when the writer moved on.
     */
    public static final short TYPE_SEAL = 2;

    /**
     * Sector size the format assumes a device writes atomically (512 bytes, the smallest in use).
     * Tear evidence is judged per sector: see docs/FORMAT.md, "Reader rules".
     */
    public static final int SECTOR = 512;

    private FrameDescriptor()
    {
    }

    /**
     * The length check a format-2 frame stores in its Flags field: every single-bit change of the
     * length (or of the check) makes the pair disagree, so a damaged length is never read as a
     * torn write.
     *
     * @param frameLength the frame length (header + payload).
     * @return the 16-bit check.
     */
    public static short lengthCheck(final int frameLength)
    {
        return (short)((frameLength ^ (frameLength >>> 16) ^ 0xA5A5) & 0xFFFF);
    }

    /**
     * The 8 bytes {@code [length int32 LE][crc int32 LE]} as the long a native-order 8-byte store at
     * the frame's offset must write: format 2 commits a frame with one such release store.
     */
    public static long lengthAndCrc(final int frameLength, final int crc)
    {
        final long le = (frameLength & 0xFFFF_FFFFL) | ((long)crc << 32);
        return NATIVE_LITTLE_ENDIAN ? le : Long.reverseBytes(le);
    }

    /**
     * @return the frame length held in a commit word read as one native-order 8-byte load at the
     * frame's offset (the inverse of {@link #lengthAndCrc} for the length).
     */
    public static int lengthOf(final long commitWord)
    {
        return NATIVE_LITTLE_ENDIAN ? (int)commitWord : Integer.reverseBytes((int)(commitWord >>> 32));
    }

    /** @return the frame CRC held in a commit word (the inverse of {@link #lengthAndCrc} for the CRC). */
    public static int crcOf(final long commitWord)
    {
        return NATIVE_LITTLE_ENDIAN ? (int)(commitWord >>> 32) : Integer.reverseBytes((int)commitWord);
    }

    private static final boolean NATIVE_LITTLE_ENDIAN =
        java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    /** @return {@code length} rounded up to {@link #ALIGNMENT}. */
    public static int align(final int length)
    {
        return (length + (ALIGNMENT - 1)) & ~(ALIGNMENT - 1);
    }

    /** @return the offset of the length field of the frame at {@code frameOffset}. */
    public static int lengthOffset(final int frameOffset)
    {
        return frameOffset + LENGTH_OFFSET;
    }

    /** @return the offset of the CRC field of the frame at {@code frameOffset}. */
    public static int crcOffset(final int frameOffset)
    {
        return frameOffset + CRC_OFFSET;
    }

    /** @return the offset of the entry id field of the frame at {@code frameOffset}. */
    public static int entryIdOffset(final int frameOffset)
    {
        return frameOffset + ENTRY_ID_OFFSET;
    }

    /** @return the offset of the type field of the frame at {@code frameOffset}. */
    public static int typeOffset(final int frameOffset)
    {
        return frameOffset + TYPE_OFFSET;
    }

    /** @return the offset of the flags field of the frame at {@code frameOffset}. */
    public static int flagsOffset(final int frameOffset)
    {
        return frameOffset + FLAGS_OFFSET;
    }

    /** @return the offset of the salt field of the frame at {@code frameOffset}. */
    public static int saltOffset(final int frameOffset)
    {
        return frameOffset + SALT_OFFSET;
    }

    /** @return the offset of the payload of the frame at {@code frameOffset}. */
    public static int payloadOffset(final int frameOffset)
    {
        return frameOffset + HEADER_LENGTH;
    }
}
