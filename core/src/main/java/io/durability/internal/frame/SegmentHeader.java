package io.durability.internal.frame;

import io.durability.storage.CrcMismatchException;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;

import static io.durability.internal.frame.SegmentDescriptor.*;

/**
 * A parsed, validated segment header. {@link #read} either returns a header whose every field was
 * checked or throws; whether a header that does not read is an uninitialized segment (magic 0: a
 * crash or power cut during its creation) or corruption is decided by the scan that found it
 * ({@code WalScan}, {@code RecordLogReader}), on one {@link #snapshot} of the header.
 */
public final class SegmentHeader
{
    private final int version;
    private final int kind;
    private final long segmentId;
    private final long startEntryId;
    private final int salt;
    private final int capacity;
    private final int watermark;
    private final int codecId;

    /** Build a header value of the current {@link SegmentDescriptor#FORMAT_VERSION} (for writers), codec id 0. */
    public SegmentHeader(
        final int kind, final long segmentId, final long startEntryId, final int salt, final int capacity,
        final int watermark)
    {
        this(FORMAT_VERSION, kind, segmentId, startEntryId, salt, capacity, watermark, 0);
    }

    /** Build a header value, codec id 0. */
    public SegmentHeader(
        final int version, final int kind, final long segmentId, final long startEntryId, final int salt,
        final int capacity, final int watermark)
    {
        this(version, kind, segmentId, startEntryId, salt, capacity, watermark, 0);
    }

    /** Build a header value. */
    public SegmentHeader(
        final int version, final int kind, final long segmentId, final long startEntryId, final int salt,
        final int capacity, final int watermark, final int codecId)
    {
        this.codecId = codecId;
        this.version = version;
        this.kind = kind;
        this.segmentId = segmentId;
        this.startEntryId = startEntryId;
        this.salt = salt;
        this.capacity = capacity;
        this.watermark = watermark;
    }

    /** @return the format version of the segment (its frames follow that version's rules). */
    public int version()
    {
        return version;
    }

    /**
     * Copy a segment's 64 header bytes once, so that every decision about the header is made on one
     * consistent view even while a writer beside the reader initializes it (the magic is read first,
     * with acquire semantics; the watermark pair is one aligned 8-byte load).
     *
     * @return a heap buffer of {@code min(64, capacity)} bytes.
     */
    public static org.agrona.concurrent.UnsafeBuffer snapshot(final DirectBuffer segment)
    {
        final int n = Math.min(HEADER_LENGTH, segment.capacity()) & ~7;
        final org.agrona.concurrent.UnsafeBuffer copy = new org.agrona.concurrent.UnsafeBuffer(
            java.nio.ByteBuffer.allocate(Math.min(HEADER_LENGTH, segment.capacity())));
        if (n >= 8 && segment instanceof org.agrona.concurrent.AtomicBuffer atomic)
        {
            copy.putLong(0, atomic.getLongVolatile(0));
            for (int i = 8; i < n; i += 8)
            {
                copy.putLong(i, atomic.getLongVolatile(i));
            }
        }
        else
        {
            segment.getBytes(0, copy, 0, copy.capacity());
        }
        return copy;
    }

    /** @return the kind ({@link SegmentDescriptor#KIND_WAL_SEGMENT} or {@link SegmentDescriptor#KIND_RECORD_LOG}). */
    public int kind()
    {
        return kind;
    }

    /** @return the segment id. */
    public long segmentId()
    {
        return segmentId;
    }

    /** @return the id of the first frame in the segment. */
    public long startEntryId()
    {
        return startEntryId;
    }

    /** @return the segment's salt. */
    public int salt()
    {
        return salt;
    }

    /** @return the capacity recorded at creation. */
    public int capacity()
    {
        return capacity;
    }

    /** @return the durable watermark (0 = no claim). */
    public int watermark()
    {
        return watermark;
    }

    /**
     * @return the {@link io.durability.codec.Codec#id() id} of the codec that encoded this segment's
     * payloads, as recorded at {@link SegmentDescriptor#CODEC_ID_OFFSET}; {@code 0} when none is
     * recorded (a codec of id 0, or a segment of format 1 or 2).
     */
    public int codecId()
    {
        return codecId;
    }

    /**
     * Parse and validate a header.
     *
     * @param expectedKind the kind the caller reads.
     * @throws DurabilityException FORMAT (too short, magic, version, kind, capacity, watermark, reserved
     *                             bytes), CRC_MISMATCH (header CRC, which from version 3 covers the codec
     *                             id too, or watermark check).
     */
    public static SegmentHeader read(
        final DirectBuffer buffer, final Crc32cRange crc, final String file, final int expectedKind)
    {
        if (buffer.capacity() < HEADER_LENGTH)
        {
            throw DurabilityException.format(
                "file is too short to hold a segment header", file, 0, "at least " + HEADER_LENGTH + " bytes",
                buffer.capacity() + " bytes");
        }
        final long magic = buffer.getLong(MAGIC_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        if (magic != MAGIC)
        {
            throw DurabilityException.format(
                "not a durability segment (bad magic)", file, MAGIC_OFFSET, DurabilityException.magic(MAGIC),
                DurabilityException.magic(magic));
        }
        final int version = buffer.getInt(VERSION_OFFSET);
        if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION)
        {
            throw DurabilityException.format(
                "unsupported segment format version; this build reads versions " + OLDEST_READABLE_VERSION + " to " +
                FORMAT_VERSION, file, VERSION_OFFSET, OLDEST_READABLE_VERSION + ".." + FORMAT_VERSION, version);
        }
        final int storedCrc = buffer.getInt(HEADER_CRC_OFFSET);
        final int actualCrc = crc.headerCrc(version);
        if (storedCrc != actualCrc)
        {
            throw new CrcMismatchException("segment header CRC mismatch", file, HEADER_CRC_OFFSET, storedCrc, actualCrc);
        }
        final int kind = buffer.getInt(KIND_OFFSET);
        if (kind != expectedKind)
        {
            throw DurabilityException.format(
                "segment is of another kind (1 = WAL segment, 2 = record log)", file, KIND_OFFSET, expectedKind, kind);
        }
        final long segmentId = buffer.getLong(SEGMENT_ID_OFFSET);
        final long startEntryId = buffer.getLong(START_ENTRY_ID_OFFSET);
        if (segmentId < 1 || startEntryId < 1)
        {
            throw DurabilityException.format(
                "segment id and start entry id must be positive", file, SEGMENT_ID_OFFSET, ">= 1",
                segmentId + "/" + startEntryId);
        }
        final int salt = buffer.getInt(SALT_OFFSET);
        final int capacity = buffer.getInt(CAPACITY_OFFSET);
        if (capacity < HEADER_LENGTH + FrameDescriptor.HEADER_LENGTH || (capacity & 7) != 0)
        {
            throw DurabilityException.format(
                "segment capacity in header is invalid", file, CAPACITY_OFFSET, "a multiple of 8 >= 88", capacity);
        }
        // Version 3 records the codec id at 44 (any value, under the header CRC); before, it is reserved.
        final int codecId = buffer.getInt(CODEC_ID_OFFSET);
        if (version < CODEC_ID_VERSION && codecId != 0)
        {
            throw DurabilityException.format(
                "reserved segment header bytes are not zero", file, CODEC_ID_OFFSET, 0, "non-zero");
        }
        if (buffer.getLong(RESERVED_OFFSET) != 0)
        {
            throw DurabilityException.format(
                "reserved segment header bytes are not zero", file, RESERVED_OFFSET, 0, "non-zero");
        }
        final int watermark = buffer.getInt(WATERMARK_OFFSET);
        final int storedCheck = buffer.getInt(WATERMARK_CHECK_OFFSET);
        final int actualCheck = crc.computeInts(watermark, salt);
        if (storedCheck != actualCheck)
        {
            throw new CrcMismatchException(
                "segment watermark check mismatch", file, WATERMARK_CHECK_OFFSET, storedCheck, actualCheck);
        }
        if (watermark != 0 && (watermark < HEADER_LENGTH || watermark > capacity || (watermark & 7) != 0))
        {
            throw DurabilityException.format(
                "segment watermark out of range", file, WATERMARK_OFFSET, "0 or an aligned offset in [64, " +
                capacity + "]", watermark);
        }
        return new SegmentHeader(version, kind, segmentId, startEntryId, salt, capacity, watermark, codecId);
    }

    @Override
    public String toString()
    {
        return "SegmentHeader{kind=" + kind + ", segmentId=" + segmentId + ", startEntryId=" + startEntryId +
            ", version=" + version + ", capacity=" + capacity + ", watermark=" + watermark + ", codecId=" + codecId + '}';
    }
}
