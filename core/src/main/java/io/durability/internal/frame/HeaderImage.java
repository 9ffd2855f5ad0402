package io.durability.internal.frame;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * A new segment's header, built before the roll that writes it ({@link SegmentAppender#prepare}):
 * every field but the magic and the first entry id, the watermark pair (0 and its check), and the
 * header CRC as it will be with the magic and a first entry id of 0. The roll then needs no checksum
 * pass: CRC32C is affine over GF(2) for messages of one length, so the CRC with any id is the CRC with
 * id 0 XOR, for each bit set in the id, the CRC change that bit alone makes ({@link #crcWith}, a
 * table of 64 values computed once). Every CRC here is {@link Crc32cRange}'s, the one definition of
 * what the header CRC covers. {@code HeaderImageTest} holds it to a plain CRC of the written header
 * for random ids.
 *
 * <p>Immutable once built; any thread.
 */
final class HeaderImage
{
    /** For each bit of the first entry id: the change it alone makes to the header CRC. */
    private static final int[] START_ID_BITS = new int[64];

    static
    {
        final ByteBuffer scratch = ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH);
        final UnsafeBuffer header = new UnsafeBuffer(scratch);
        final Crc32cRange crc = new Crc32cRange();
        crc.wrap(scratch);
        final int zero = crc.headerCrcWithMagic(SegmentDescriptor.MAGIC, SegmentDescriptor.FORMAT_VERSION);
        for (int bit = 0; bit < 64; bit++)
        {
            header.putLong(SegmentDescriptor.START_ENTRY_ID_OFFSET, 1L << bit);
            START_ID_BITS[bit] = crc.headerCrcWithMagic(SegmentDescriptor.MAGIC, SegmentDescriptor.FORMAT_VERSION) ^ zero;
        }
    }

    /** The header's 64 bytes with magic 0 and first entry id 0. */
    final UnsafeBuffer bytes;
    private final int baseCrc;

    private HeaderImage(final UnsafeBuffer bytes, final int baseCrc)
    {
        this.bytes = bytes;
        this.baseCrc = baseCrc;
    }

    /** @param crc a CRC state of the caller's (not shared with another thread while this runs). */
    static HeaderImage of(
        final int kind, final long segmentId, final int salt, final int capacity, final int codecId, final Crc32cRange crc)
    {
        final ByteBuffer memory = ByteBuffer.allocateDirect(SegmentDescriptor.HEADER_LENGTH);
        final UnsafeBuffer b = new UnsafeBuffer(memory);
        b.putInt(SegmentDescriptor.VERSION_OFFSET, SegmentDescriptor.FORMAT_VERSION);
        b.putInt(SegmentDescriptor.KIND_OFFSET, kind);
        b.putLong(SegmentDescriptor.SEGMENT_ID_OFFSET, segmentId);
        b.putInt(SegmentDescriptor.SALT_OFFSET, salt);
        b.putInt(SegmentDescriptor.CAPACITY_OFFSET, capacity);
        b.putInt(SegmentDescriptor.CODEC_ID_OFFSET, codecId);
        // The watermark pair: 0, and the check of (0, salt), as the barriers compute it.
        b.putInt(SegmentDescriptor.WATERMARK_CHECK_OFFSET, crc.computeInts(0, salt));
        crc.wrap(memory);
        return new HeaderImage(b, crc.headerCrcWithMagic(SegmentDescriptor.MAGIC, SegmentDescriptor.FORMAT_VERSION));
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
}
