package io.durability.internal.frame;

import io.durability.storage.DurabilityException;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.ByteBuffer;

import static io.durability.internal.frame.FrameDescriptor.*;

/**
 * Walks the frames of one segment and, where they stop, decides what the stop is: the one place
 * that tells the end of data, a torn write and corruption apart (the WAL, the record log and the
 * tools all use it; the rules are in docs/FORMAT.md, "Reader rules").
 *
 * <p>The decision uses only what the bytes show and the segment's durable watermark {@code W}:
 * <ul>
 *   <li>Anything wrong below {@code W}, or data ending below it, is {@link #CORRUPT}.</li>
 *   <li>At or above {@code W}, a bad frame is {@link #TORN} only when it carries the evidence a
 *   torn write leaves in a zero-filled segment: a whole 512-byte sector that the frame reaches, after
 *   the one its header starts in, reads as all zeros (the sector never reached the disk). A frame that is bad without that evidence (a flipped
 *   bit, a damaged length or length check, non-zero padding) is {@link #CORRUPT}.</li>
 *   <li>A zero length ends the data. If committed frames of this segment follow it, the frame start
 *   was lost: {@link #TORN} when its sector reads as zeros, {@link #CORRUPT} otherwise. Bytes after
 *   the end that hold no committed frame are the leftover of an uncommitted frame (a process killed
 *   mid-append) and are reported in {@link #garbageEnd()} for a repair to zero.</li>
 * </ul>
 * Whether a torn tail is acceptable where it was found (only at the end of the WAL) is the
 * caller's decision.
 *
 * <p>A reusable flyweight; not thread-safe.
 */
public final class SegmentScanner
{
    /** {@link #next()} found a data frame: see {@link #cursor()}. */
    public static final int FRAME = 1;
    /** {@link #next()} found the seal: {@link #endOffset()} is its offset, {@link #nextEntryId()} the next segment's first id. */
    public static final int SEALED = 2;
    /** {@link #next()} reached the end of data. */
    public static final int END = 3;
    /** {@link #next()} found a torn write at {@link #endOffset()}: see {@link #problem()}. */
    public static final int TORN = 4;
    /** {@link #next()} found corruption: see {@link #problem()}. */
    public static final int CORRUPT = 5;

    /**
     * How far past the end of data a reader looks for committed frames and leftover bytes: 1 MiB,
     * the largest hole of lost sectors it tells from the end of data. A repair looks to the end of the
     * segment ({@link #wrapForRepair}), since every stale byte must be zeroed.
     */
    public static final int READER_PROBE = 1 << 20;

    private final FrameCursor cursor = new FrameCursor();
    private final Crc32cRange probeCrc = new Crc32cRange();
    private AtomicBuffer buffer;
    private String file;
    private int limit;
    private int salt;
    private int watermark;
    private int probe;
    private boolean legacy;
    private int endOffset;
    private int garbageEnd;
    private long nextEntryId;
    private DurabilityException problem;

    /**
     * Start at the first frame of a segment whose header has been read.
     *
     * @param buffer the segment's bytes.
     * @param memory the same bytes as a ByteBuffer (for the CRC intrinsic).
     * @param file   the file name used in errors.
     * @param header the segment's validated header (salt, first id, watermark, version).
     * @param limit  the end of the readable area: {@code min(file length, header capacity)}.
     */
    public SegmentScanner wrap(
        final AtomicBuffer buffer, final ByteBuffer memory, final String file, final SegmentHeader header,
        final int limit)
    {
        return wrap(buffer, memory, file, header, limit, READER_PROBE);
    }

    /**
     * {@link #wrap} for a repair: the bytes after the end of data are looked at up to the end of the
     * segment, so that {@link #garbageEnd()} covers every stale byte (a reader looks
     * {@link #READER_PROBE} bytes far, so that its cost does not grow with the unused part of a
     * segment).
     */
    public SegmentScanner wrapForRepair(
        final AtomicBuffer buffer, final ByteBuffer memory, final String file, final SegmentHeader header,
        final int limit)
    {
        return wrap(buffer, memory, file, header, limit, Integer.MAX_VALUE);
    }

    private SegmentScanner wrap(
        final AtomicBuffer buffer, final ByteBuffer memory, final String file, final SegmentHeader header,
        final int limit, final int probe)
    {
        this.probe = probe;
        this.buffer = buffer;
        this.file = file;
        this.limit = Math.min(limit, buffer.capacity());
        this.salt = header.salt();
        this.watermark = header.watermark();
        this.legacy = header.version() < 2;
        this.problem = null;
        this.endOffset = SegmentDescriptor.HEADER_LENGTH;
        this.garbageEnd = SegmentDescriptor.HEADER_LENGTH;
        this.nextEntryId = header.startEntryId();
        probeCrc.wrap(memory);
        cursor.wrap(buffer, memory, file, this.limit, salt, header.startEntryId(), header.version());
        return this;
    }

    /**
     * @return {@link #FRAME} (the cursor holds it), or where and how the frames stop: {@link #SEALED},
     * {@link #END}, {@link #TORN} or {@link #CORRUPT}. Call again after {@link #FRAME}; after
     * {@link #END} or {@link #TORN} the scanner stays at the slot it stopped at, and a reader following
     * a live writer ({@code WalTailer}) may call again to re-read it (it does so once the slot's commit
     * word changed). After {@link #SEALED} or {@link #CORRUPT}, wrap it again.
     */
    public int next()
    {
        final int r;
        try
        {
            r = cursor.next();
        }
        catch (final DurabilityException ex)
        {
            endOffset = cursor.frameOffset();
            nextEntryId = cursor.expectedEntryId();
            garbageEnd = endOffset;
            problem = ex.withNote(" (a frame with a valid CRC and wrong content is never a torn write)");
            return CORRUPT;
        }
        switch (r)
        {
            case FrameCursor.FRAME:
                return FRAME;
            case FrameCursor.SEAL:
                endOffset = cursor.frameOffset();
                nextEntryId = cursor.entryId();
                garbageEnd = endOffset + HEADER_LENGTH;
                if (watermark > endOffset + HEADER_LENGTH)
                {
                    return corrupt(DurabilityException.format(
                        "the durable watermark lies beyond the seal", file, SegmentDescriptor.WATERMARK_OFFSET,
                        "at most " + (endOffset + HEADER_LENGTH), watermark));
                }
                return SEALED;
            case FrameCursor.END:
                return classifyEnd(cursor.position());
            default:
                return classifyBad(cursor.frameOffset());
        }
    }

    private int classifyEnd(final int o)
    {
        endOffset = o;
        nextEntryId = cursor.expectedEntryId();
        garbageEnd = lastNonZeroEnd(buffer, o, probeEnd(o));
        if (o < watermark)
        {
            return corrupt(DurabilityException.format(
                "the data ends below the durable watermark (acknowledged frames are missing)", file, o,
                "frames up to offset " + watermark, "end of data at offset " + o));
        }
        if (garbageEnd == o)
        {
            return END;
        }
        final int p = findCommittedFrame(o + ALIGNMENT, garbageEnd, nextEntryId);
        if (p < 0)
        {
            return END;
        }
        final long id = buffer.getLong(entryIdOffset(p));
        if (buffer.getIntVolatile(lengthOffset(o)) != 0)
        {
            if (isCommittedFrameAt(o, nextEntryId))
            {
                // A writer beside this reader committed the frame at o after it was read as the end: the
                // view read so far is a consistent prefix, and it ends here.
                garbageEnd = o;
                return END;
            }
            // The slot holds a frame that ended the data without being ours (a valid CRC, another salt:
            // what a recycled file's earlier life leaves), yet frames of this segment follow it: an
            // earlier life never precedes this one's frames, so the slot was damaged.
            return corrupt(DurabilityException.format(
                "a frame of another life of the file (another salt) is followed by frames of this segment: a damaged frame",
                file, o, "frame " + nextEntryId + " of this segment", "a frame with salt " + buffer.getInt(saltOffset(o)) +
                " (the segment's is " + salt + "), then frame " + id + " at offset " + p));
        }
        final int sectorEnd = (o / SECTOR + 1) * SECTOR;
        if (p >= sectorEnd && allZero(buffer, o, sectorEnd))
        {
            problem = DurabilityException.format(
                "torn write: the sector holding the next frame reads as zeros while later frames reached the disk",
                file, o, "frame " + nextEntryId, "an all-zero sector [" + o + ", " + sectorEnd + "), then frame " + id +
                " at offset " + p);
            return TORN;
        }
        if (p >= sectorEnd && !legacy && isFrameInProgress(o, nextEntryId))
        {
            // A write-back of this sector (a barrier on another thread, or the kernel's own) caught the
            // writer between the frame's payload and its commit word; a later sector reached the disk
            // after the frame was committed there.
            problem = DurabilityException.format(
                "torn write: the sector holding the next frame reached the disk while that frame was being written " +
                "(its commit word not yet stored) and later frames reached the disk", file, o, "frame " + nextEntryId,
                "an uncommitted frame " + nextEntryId + " in [" + o + ", " + sectorEnd + "), then frame " + id + " at offset " + p);
            return TORN;
        }
        return corrupt(DurabilityException.format(
            "committed frames follow the end of data: a frame start was damaged (no all-zero sector, so not a torn write)",
            file, o, "frame " + nextEntryId, "end of data, then frame " + id + " at offset " + p));
    }

    private int classifyBad(final int o)
    {
        endOffset = o;
        nextEntryId = cursor.expectedEntryId();
        garbageEnd = lastNonZeroEnd(buffer, o, probeEnd(o));
        final DurabilityException why = cursor.problem();
        final int length = buffer.getInt(lengthOffset(o));
        boolean evidence = false;
        switch (cursor.badKind())
        {
            case FrameCursor.BAD_LENGTH_CHECK:
            {
                // Length and check share a sector unless the 24-byte header straddles a boundary; then
                // an all-zero second sector is the evidence.
                final int flags = flagsOffset(o);
                final int sectorStart = (flags / SECTOR) * SECTOR;
                evidence = sectorStart > o && isZeroSector(sectorStart);
                break;
            }
            case FrameCursor.BAD_CRC:
                evidence = hasZeroSector(o, o + length);
                break;
            default:
                break;
        }
        if (!evidence)
        {
            return corrupt(why.withNote(" (no all-zero sector in the frame, so not a torn write)"));
        }
        if (o < watermark)
        {
            return corrupt(why.withNote(" (below the durable watermark " + watermark + ": acknowledged data)"));
        }
        problem = why.withNote(" (torn write: a sector of the frame reads as zeros)");
        return TORN;
    }

    private int probeEnd(final int from)
    {
        return (int)Math.min(limit, (long)from + probe);
    }

    private int corrupt(final DurabilityException why)
    {
        problem = why;
        return CORRUPT;
    }

    /**
     * Whether a sector that {@code [from, to)} reaches, after the one holding {@code from}, reads as all
     * zeros. The whole sector is checked, not only the frame's part of it: every byte of such a sector
     * lies past the last durable tail, so a sector that never reached the disk is zero throughout.
     */
    private boolean hasZeroSector(final int from, final int to)
    {
        for (int s = (from / SECTOR + 1) * SECTOR; s < to; s += SECTOR)
        {
            if (isZeroSector(s))
            {
                return true;
            }
        }
        return false;
    }

    private boolean isZeroSector(final int sectorStart)
    {
        return allZero(buffer, sectorStart, Math.min(limit, sectorStart + SECTOR));
    }

    /**
     * @return the first 8-aligned offset in {@code [from, to)} holding a whole committed frame of this
     * segment (valid length, length check, CRC and salt, a known type, id at least {@code minId}), or -1.
     */
    private int findCommittedFrame(final int from, final int to, final long minId)
    {
        for (int p = from; p <= to - HEADER_LENGTH; p += ALIGNMENT)
        {
            if (isCommittedFrameAt(p, minId))
            {
                return p;
            }
        }
        return -1;
    }

    /**
     * @return whether the 8-aligned offset {@code p} holds a whole committed frame of this segment:
     * valid length, length check (format 2), CRC and salt, a known type, an id of at least {@code minId}.
     */
    public boolean isCommittedFrameAt(final int p, final long minId)
    {
        final AtomicBuffer b = buffer;
        if (p < SegmentDescriptor.HEADER_LENGTH || p > limit - HEADER_LENGTH)
        {
            return false;
        }
        final long commitWord = b.getLongVolatile(lengthOffset(p));
        final int length = lengthOf(commitWord);
        if (length < HEADER_LENGTH || length > limit - p || b.getInt(saltOffset(p)) != salt)
        {
            return false;
        }
        if (!legacy && b.getShort(flagsOffset(p)) != lengthCheck(length))
        {
            return false;
        }
        final short type = b.getShort(typeOffset(p));
        if ((type != TYPE_DATA && type != TYPE_SEAL) || b.getLong(entryIdOffset(p)) < minId)
        {
            return false;
        }
        return crcOf(commitWord) == probeCrc.compute(p + CRC_COVERAGE_OFFSET, length - CRC_COVERAGE_OFFSET);
    }

    /**
     * @return whether the slot at {@code o}, whose commit word is zero, holds nothing but what the
     * writer stores before the commit word of the frame with id {@code expectedId} (format 2): each
     * header field zero or its final value (the id, a data or seal type, this segment's salt, a
     * length check of a length that fits), so that a sector written back while the frame was being
     * written is told from a damaged frame start (which leaves a non-zero field that is none of these).
     */
    private boolean isFrameInProgress(final int o, final long expectedId)
    {
        final AtomicBuffer b = buffer;
        final long id = b.getLong(entryIdOffset(o));
        final short type = b.getShort(typeOffset(o));
        final int frameSalt = b.getInt(saltOffset(o));
        final short flags = b.getShort(flagsOffset(o));
        return (id == 0 || id == expectedId) && (type == 0 || type == TYPE_DATA || type == TYPE_SEAL) &&
            (frameSalt == 0 || frameSalt == salt) && (flags == 0 || isLengthCheckOfSomeLength(flags, limit - o));
    }

    private static boolean isLengthCheckOfSomeLength(final short flags, final int room)
    {
        for (int high = 0; high <= (room >>> 16); high++)
        {
            final int length = (high << 16) | ((flags ^ 0xA5A5 ^ high) & 0xFFFF);
            if (length >= HEADER_LENGTH && length <= room && lengthCheck(length) == flags)
            {
                return true;
            }
        }
        return false;
    }

    /** @return whether {@code p} holds this segment's seal, naming {@code nextEntryId} as the next segment's first id. */
    public boolean isSealAt(final int p, final long nextEntryId)
    {
        return isCommittedFrameAt(p, nextEntryId) && buffer.getShort(typeOffset(p)) == TYPE_SEAL &&
            buffer.getInt(lengthOffset(p)) == HEADER_LENGTH && buffer.getLong(entryIdOffset(p)) == nextEntryId;
    }

    /** @return one past the last non-zero byte in {@code [from, to)}, or {@code from} when all are zero. */
    public static int lastNonZeroEnd(final AtomicBuffer buffer, final int from, final int to)
    {
        int i = to;
        while (i - 8 >= from && buffer.getLong(i - 8) == 0)
        {
            i -= 8;
        }
        while (i > from && buffer.getByte(i - 1) == 0)
        {
            i--;
        }
        return i;
    }

    private static boolean allZero(final AtomicBuffer buffer, final int from, final int to)
    {
        int i = from;
        for (; i + 8 <= to; i += 8)
        {
            if (buffer.getLong(i) != 0)
            {
                return false;
            }
        }
        for (; i < to; i++)
        {
            if (buffer.getByte(i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Salvage only: after {@link #TORN} or {@link #CORRUPT}, move to the first 8-aligned offset after
     * {@code from} holding a whole committed frame of this segment (length, length check, CRC, salt, a known
     * type) whose id is at least {@code minId}, so that {@link #next()} goes on from it.
     *
     * @return that offset, or -1 when no such frame follows (the scanner is left where it stopped).
     */
    public int resyncAfter(final int from, final long minId)
    {
        final int start = ((Math.max(from, SegmentDescriptor.HEADER_LENGTH) + ALIGNMENT) / ALIGNMENT) * ALIGNMENT;
        final int p = findCommittedFrame(start, limit, minId);
        if (p >= 0)
        {
            rewind(p, buffer.getLong(entryIdOffset(p)));
        }
        return p;
    }

    /** @return the cursor, positioned on the last {@link #FRAME}. */
    public FrameCursor cursor()
    {
        return cursor;
    }

    /** @return where valid data ends: the next slot after {@link #END}, the seal's offset, or the bad frame's. */
    public int endOffset()
    {
        return endOffset;
    }

    /**
     * @return one past the last non-zero byte from {@link #endOffset()} on ({@code endOffset} when
     * nothing follows; past the seal after {@link #SEALED}): what a repair zeroes.
     */
    public int garbageEnd()
    {
        return garbageEnd;
    }

    /** @return the id the next frame after the valid data gets (after {@link #SEALED}: the next segment's first id). */
    public long nextEntryId()
    {
        return nextEntryId;
    }

    /** @return why the scan stopped at {@link #TORN} or {@link #CORRUPT}. */
    public DurabilityException problem()
    {
        return problem;
    }

    /**
     * Raise the watermark the scan judges by to {@code watermark}, read again from the segment header
     * by a reader following a live writer (a header's watermark only grows while its segment lives).
     * A lower value is ignored.
     *
     * @param watermark the header's current durable watermark.
     */
    public void raiseWatermark(final int watermark)
    {
        if (watermark > this.watermark)
        {
            this.watermark = watermark;
        }
    }

    /**
     * Move back to the frame at {@code offset} carrying {@code entryId} (see {@link FrameCursor#rewind}).
     *
     * @param offset  a frame offset the cursor returned.
     * @param entryId the id of that frame.
     */
    public void rewind(final int offset, final long entryId)
    {
        cursor.rewind(offset, entryId);
        problem = null;
    }

    /** @return the watermark of the segment being scanned. */
    public int watermark()
    {
        return watermark;
    }
}
