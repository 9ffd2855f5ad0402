package io.durability.internal.frame;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C over a range of a direct {@link ByteBuffer}, reusing one view and one {@link CRC32C}: no
 * allocation per call, and the JDK intrinsic for direct memory (no JVM flag needed).
 *
 * <p>Not thread-safe: one instance per reader or writer.
 */
public final class Crc32cRange
{
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    private ByteBuffer view;

    /** Point at a new memory region; {@code memory} is duplicated once here, not per call. */
    public void wrap(final ByteBuffer memory)
    {
        view = memory.duplicate();
    }

    /** @return CRC32C of {@code [offset, offset + length)} of the wrapped memory. */
    public int compute(final int offset, final int length)
    {
        final ByteBuffer v = view;
        v.limit(offset + length).position(offset);
        crc.reset();
        crc.update(v);
        return (int)crc.getValue();
    }

    /**
     * @param magic   the magic the header will hold.
     * @param version the header's format version.
     * @return the header CRC of the wrapped segment header ({@link #headerCrc(int)}) as it will be
     * once {@code magic} is stored at offset 0 (the magic is written last, so it is not in memory yet).
     */
    public int headerCrcWithMagic(final long magic, final int version)
    {
        scratch.clear();
        scratch.putLong(0, magic);
        crc.reset();
        crc.update(scratch);
        update(8, SegmentDescriptor.HEADER_CRC_COVERAGE - 8);
        if (version >= SegmentDescriptor.CODEC_ID_VERSION)
        {
            update(SegmentDescriptor.CODEC_ID_OFFSET, 4);
        }
        return (int)crc.getValue();
    }

    /**
     * @param version the header's format version.
     * @return the header CRC of the wrapped segment header: CRC32C of bytes {@code [0, 40)}, then (from
     * version 3) of the codec id, bytes {@code [44, 48)}.
     */
    public int headerCrc(final int version)
    {
        crc.reset();
        update(0, SegmentDescriptor.HEADER_CRC_COVERAGE);
        if (version >= SegmentDescriptor.CODEC_ID_VERSION)
        {
            update(SegmentDescriptor.CODEC_ID_OFFSET, 4);
        }
        return (int)crc.getValue();
    }

    private void update(final int offset, final int length)
    {
        final ByteBuffer v = view;
        v.limit(offset + length).position(offset);
        crc.update(v);
    }

    /** @return CRC32C of the 8 bytes {@code a} then {@code b}, both little-endian. */
    public int computeInts(final int a, final int b)
    {
        scratch.clear();
        scratch.putInt(0, a).putInt(4, b);
        crc.reset();
        crc.update(scratch);
        return (int)crc.getValue();
    }
}
