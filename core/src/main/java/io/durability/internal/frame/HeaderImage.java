package io.durability.internal.frame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A new segment's header, built before the roll that writes it ({@link SegmentAppender#prepare}):
 * every field but the magic and the first entry id, the watermark pair (0 and its check), and the
 * header CRC as it will be with the magic and a first entry id of 0. The roll then needs no checksum
 * pass: CRC32C is affine over GF(2) for messages of one length, so the CRC with any id is the CRC with
 * id 0 XOR, for each bit set in the id, the CRC change that bit alone makes ({@link #crcWith}, a
 * table of 64 values computed once). {@code SegmentAppenderTest} holds it to a plain CRC of the written
 * header for random ids.
 *
 * <p>Immutable once built; any thread.
 */
final class HeaderImage
{
    /** The header CRC's message: bytes [0, 40), then the codec id, bytes [44, 48) (format version 3). */
    private static final int MESSAGE = SegmentDescriptor.HEADER_CRC_COVERAGE + 4;
    /** For each bit of the first entry id (little-endian at offset 24): the CRC change it alone makes. */
    private static final int[] START_ID_BITS = new int[64];

    static
    {
        final int zero = crc(new byte[MESSAGE]);
        for (int bit = 0; bit < 64; bit++)
        {
            final byte[] m = new byte[MESSAGE];
            m[SegmentDescriptor.START_ENTRY_ID_OFFSET + bit / 8] = (byte)(1 << (bit % 8));
            START_ID_BITS[bit] = crc(m) ^ zero;
        }
    }

    /** The header's 64 bytes with magic 0 and first entry id 0. */
    final byte[] bytes;
    private final int baseCrc;

    private HeaderImage(final byte[] bytes, final int baseCrc)
    {
        this.bytes = bytes;
        this.baseCrc = baseCrc;
    }

    static HeaderImage of(final int kind, final long segmentId, final int salt, final int capacity, final int codecId)
    {
        final byte[] bytes = new byte[SegmentDescriptor.HEADER_LENGTH];
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(SegmentDescriptor.VERSION_OFFSET, SegmentDescriptor.FORMAT_VERSION);
        b.putInt(SegmentDescriptor.KIND_OFFSET, kind);
        b.putLong(SegmentDescriptor.SEGMENT_ID_OFFSET, segmentId);
        b.putInt(SegmentDescriptor.SALT_OFFSET, salt);
        b.putInt(SegmentDescriptor.CAPACITY_OFFSET, capacity);
        b.putInt(SegmentDescriptor.CODEC_ID_OFFSET, codecId);
        // The watermark pair: 0, and the check of (0, salt), as the barriers compute it.
        final byte[] pair = new byte[8];
        ByteBuffer.wrap(pair).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0).putInt(4, salt);
        b.putInt(SegmentDescriptor.WATERMARK_CHECK_OFFSET, crc(pair));
        final byte[] message = new byte[MESSAGE];
        System.arraycopy(bytes, 0, message, 0, SegmentDescriptor.HEADER_CRC_COVERAGE);
        ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).putLong(SegmentDescriptor.MAGIC_OFFSET, SegmentDescriptor.MAGIC);
        System.arraycopy(bytes, SegmentDescriptor.CODEC_ID_OFFSET, message, SegmentDescriptor.HEADER_CRC_COVERAGE, 4);
        return new HeaderImage(bytes, crc(message));
    }

    /** @return the header CRC once the magic and {@code startEntryId} are in place. */
    int crcWith(final long startEntryId)
    {
        int c = baseCrc;
        long v = startEntryId;
        for (int bit = 0; v != 0; bit++, v >>>= 1)
        {
            if ((v & 1) != 0)
            {
                c ^= START_ID_BITS[bit];
            }
        }
        return c;
    }

    private static int crc(final byte[] message)
    {
        final CRC32C c = new CRC32C();
        c.update(message, 0, message.length);
        return (int)c.getValue();
    }
}
