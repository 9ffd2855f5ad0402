package io.durability.checkpoint;

import java.nio.charset.StandardCharsets;

/**
 * Layout of a checkpoint file: a 40-byte header, then the payload a codec wrote.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Magic: ASCII "DURBLCKP"                                |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Format Version (int32) = 1                             |  8
 *  +---------------------------------------------------------------+
 *  |        Reserved (int32) = 0                                   | 12
 *  +---------------------------------------------------------------+
 *  |        Last Applied Id (int64): last WAL entry in the state   | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Payload Length (int32)                                 | 24
 *  +---------------------------------------------------------------+
 *  |        Payload CRC32C (int32)                                 | 28
 *  +---------------------------------------------------------------+
 *  |        Header CRC32C of bytes [0, 32)                         | 32
 *  +---------------------------------------------------------------+
 *  |        Reserved (int32) = 0                                   | 36
 *  +---------------------------------------------------------------+
 *  |        Payload                                              ...| 40
 * </pre>
 * All integers little-endian; the file is exactly {@code 40 + Payload Length} bytes.
 */
public final class CheckpointDescriptor
{
    /** ASCII {@code DURBLCKP}. */
    public static final byte[] MAGIC = "DURBLCKP".getBytes(StandardCharsets.US_ASCII);
    /** The version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** Header length; the payload starts here. */
    public static final int HEADER_LENGTH = 40;
    /** Offset of the format version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the last applied id. */
    public static final int LAST_APPLIED_ID_OFFSET = 16;
    /** Offset of the payload length. */
    public static final int PAYLOAD_LENGTH_OFFSET = 24;
    /** Offset of the payload CRC. */
    public static final int PAYLOAD_CRC_OFFSET = 28;
    /** Offset of the header CRC. */
    public static final int HEADER_CRC_OFFSET = 32;
    /** The default cap on a payload's length: 256 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD = 256 * 1024 * 1024;

    private CheckpointDescriptor()
    {
    }
}
