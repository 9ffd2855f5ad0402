package io.durability.internal.frame;

import java.nio.charset.StandardCharsets;

/**
 * Layout of the 64-byte header at the start of every segment file (WAL segments and record logs).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Magic: ASCII "DURBLSEG"                                |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Format Version (int32) = 3 (1 and 2 are still read)    |  8
 *  +---------------------------------------------------------------+
 *  |        Kind (int32): 1 = WAL segment, 2 = record log          | 12
 *  +---------------------------------------------------------------+
 *  |        Segment Id (int64)                                     | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Start Entry Id (int64): id of the first frame          | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Salt (int32): random, non-zero, copied into each frame | 32
 *  +---------------------------------------------------------------+
 *  |        Capacity (int32): file length at creation              | 36
 *  +---------------------------------------------------------------+
 *  |        Header CRC32C of bytes [0, 40) then [44, 48) (v1/v2:   | 40
 *  |        of bytes [0, 40))                                      |
 *  +---------------------------------------------------------------+
 *  |        Codec Id (int32): the payload codec's id, 0 = none     | 44
 *  |        (v1/v2: reserved, 0)                                   |
 *  +---------------------------------------------------------------+
 *  |        Durable Watermark (int32): frames below it are durable | 48
 *  +---------------------------------------------------------------+
 *  |        Watermark Check: CRC32C of bytes [48,52) then [32,36)  | 52
 *  +---------------------------------------------------------------+
 *  |        Reserved (int64) = 0                                   | 56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        First frame                                          ...| 64
 * </pre>
 *
 * <p>All integers little-endian. Bytes [0, 64) are written once, at creation, the magic last (one
 * 8-byte release store), so a segment whose creation was interrupted has magic 0. The watermark is
 * rewritten by durability barriers and is always a value an <em>earlier</em> completed barrier
 * proved durable, so it never claims more than what is on stable storage; {@code 0} means no
 * claim. Readers treat a bad frame at or above the watermark of the final segment as a torn
 * tail, and below it as corruption.
 */
public final class SegmentDescriptor
{
    /** The magic bytes as written: ASCII {@code DURBLSEG}. */
    public static final byte[] MAGIC_BYTES = "DURBLSEG".getBytes(StandardCharsets.US_ASCII);

    /** The magic read as a little-endian int64. */
    public static final long MAGIC = littleEndianLong(MAGIC_BYTES);

    /**
     * The on-disk format version this build writes. Version 2 commits each frame with one 8-byte
     * store of length and CRC and keeps a length check in the frame's Flags field; version 3 (the
     * same frames) records the payload codec's {@link io.durability.codec.Codec#id() id} at
     * {@link #CODEC_ID_OFFSET}, covered by the header CRC (docs/FORMAT.md).
     */
    public static final int FORMAT_VERSION = 3;

    /** The first version whose header records a codec id (at {@link #CODEC_ID_OFFSET}, under the header CRC). */
    public static final int CODEC_ID_VERSION = 3;

    /** The oldest version this build reads (and continues: a resumed segment keeps its version). */
    public static final int OLDEST_READABLE_VERSION = 1;

    /** Kind of a WAL segment. */
    public static final int KIND_WAL_SEGMENT = 1;

    /** Kind of a record log file. */
    public static final int KIND_RECORD_LOG = 2;

    /** Header length; the first frame starts here. */
    public static final int HEADER_LENGTH = 64;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the format version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the kind. */
    public static final int KIND_OFFSET = 12;
    /** Offset of the segment id. */
    public static final int SEGMENT_ID_OFFSET = 16;
    /** Offset of the start entry id. */
    public static final int START_ENTRY_ID_OFFSET = 24;
    /** Offset of the salt. */
    public static final int SALT_OFFSET = 32;
    /** Offset of the capacity. */
    public static final int CAPACITY_OFFSET = 36;
    /** Offset of the header CRC. */
    public static final int HEADER_CRC_OFFSET = 40;
    /**
     * Number of bytes the header CRC covers from offset 0; from version 3 it then covers the codec id,
     * {@code [CODEC_ID_OFFSET, CODEC_ID_OFFSET + 4)}, as well.
     */
    public static final int HEADER_CRC_COVERAGE = 40;
    /** Offset of the codec id (version 3; reserved and zero in versions 1 and 2). */
    public static final int CODEC_ID_OFFSET = 44;
    /** Offset of the reserved int64 (zero in every version). */
    public static final int RESERVED_OFFSET = 56;
    /** Offset of the durable watermark. */
    public static final int WATERMARK_OFFSET = 48;
    /** Offset of the watermark check. */
    public static final int WATERMARK_CHECK_OFFSET = 52;

    /**
     * Writer policy (not format): a proven watermark is written only when it lies in the first page
     * or is at least this many bytes past the recorded one. A barrier that would otherwise rewrite
     * the header page, 4 KiB or more away from the frames it forces, then forces one page less: on the
     * machine the benchmarks ran on, a second dirty page made {@code fdatasync} 1.5x slower. The cost is
     * a recorded watermark that may lag the proven one by less than this stride (see docs/FORMAT.md).
     */
    public static final int WATERMARK_STRIDE = 4096;

    private SegmentDescriptor()
    {
    }

    /**
     * @return the durable watermark held in a watermark word: the 8 bytes at {@link #WATERMARK_OFFSET}
     * read as one native-order 8-byte load (the writer stores watermark and check with one aligned
     * 8-byte store, so one such load sees a pair that belongs together).
     */
    public static int watermarkOf(final long watermarkWord)
    {
        return NATIVE_LITTLE_ENDIAN ? (int)watermarkWord : Integer.reverseBytes((int)(watermarkWord >>> 32));
    }

    /** @return the watermark check held in a watermark word (see {@link #watermarkOf}). */
    public static int watermarkCheckOf(final long watermarkWord)
    {
        return NATIVE_LITTLE_ENDIAN ? (int)(watermarkWord >>> 32) : Integer.reverseBytes((int)watermarkWord);
    }

    private static final boolean NATIVE_LITTLE_ENDIAN =
        java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    private static long littleEndianLong(final byte[] bytes)
    {
        long value = 0;
        for (int i = 7; i >= 0; i--)
        {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }

    /**
     * Whether a writer whose header records {@code recorded} should record {@code proven} (an offset
     * an earlier completed barrier made durable) at this barrier: when it is larger and either lies in
     * the first page (the header's page is forced anyway) or has moved {@link #WATERMARK_STRIDE} bytes
     * or more. A recorded {@code 0} ("no barrier completed since creation") is always replaced.
     *
     * @param recorded the watermark the header holds now.
     * @param proven   the offset below which every frame is durable.
     * @return whether to rewrite the header's watermark with {@code proven}.
     */
    public static boolean shouldRecordWatermark(final int recorded, final int proven)
    {
        return proven > recorded &&
            (recorded == 0 || proven < WATERMARK_STRIDE || proven - recorded >= WATERMARK_STRIDE);
    }
}
