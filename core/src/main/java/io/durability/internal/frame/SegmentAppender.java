package io.durability.internal.frame;

import io.durability.testhook.CrashPoints;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;

import static io.durability.internal.frame.FrameDescriptor.*;

/**
 * Appends frames to one segment: the one implementation of the commit protocol.
 *
 * <p>Protocol, per frame: the caller writes the payload at {@link #payloadOffset(int)} of a claimed
 * slot; {@link #commit} writes entry id, type, flags (format 2: the length check) and salt, then
 * stores length and CRC together in one aligned 8-byte release store (format 1, still continued in
 * resumed version-1 segments: the CRC, then the length alone). Until that last store the slot's
 * length is zero, which readers take as end of data; so a crash at any instant leaves whole frames
 * only.
 *
 * <p>Space for a seal frame is always kept free at the end, so a full segment can always be sealed.
 *
 * <p>Hot path: {@link #claim}, {@link #commit} allocate nothing and make no system call. Not
 * thread-safe: one writer.
 */
public final class SegmentAppender
{
    /** Progress between two {@link SegmentFile#written} hints: 16 KiB (four pages). */
    static final int HINT_STRIDE = 16 * 1024;

    private final SegmentFile file;
    private final AtomicBuffer buffer;
    private final Crc32cRange crc = new Crc32cRange();
    /**
     * The watermark's check only: a barrier on another thread stores the watermark while the writer
     * computes frame CRCs with {@link #crc}, and a CRC state is not thread-safe.
     */
    private final Crc32cRange watermarkCrc = new Crc32cRange();
    private final long segmentId;
    private long startEntryId;
    private final int salt;
    private final int dataLimit;
    /** Format 1: the length alone is stored last, flags are 0. Format 2: length and CRC in one store, flags = length check. */
    private final boolean legacyFrames;
    private int tail;
    /** Where the next {@link SegmentFile#written} hint is due. */
    private int hintAt;
    private long nextEntryId;
    private int dirtyFrom;
    private int dirtyTo;
    private boolean sealed;
    /** The header {@link #begin} writes; {@code null} once written (or for a resumed segment). */
    private HeaderImage headerImage;
    /** {@link #tail}, stored with release after every frame: read by a barrier on another thread ({@link #committedEnd()}). */
    private int committedEnd;
    /** {@link #dirtyTo}, stored with release after an abort or a resume's zeroing ({@link #writtenEnd()}). */
    private int zeroedEnd;
    private static final java.lang.invoke.VarHandle COMMITTED_END;
    private static final java.lang.invoke.VarHandle ZEROED_END;

    static
    {
        try
        {
            final java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            COMMITTED_END = l.findVarHandle(SegmentAppender.class, "committedEnd", int.class);
            ZEROED_END = l.findVarHandle(SegmentAppender.class, "zeroedEnd", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private SegmentAppender(
        final SegmentFile file, final long segmentId, final long startEntryId, final int salt, final int tail,
        final long nextEntryId, final int capacity, final int version)
    {
        this.legacyFrames = version < 2;
        this.file = file;
        this.buffer = file.buffer();
        this.crc.wrap(file.byteBuffer());
        this.segmentId = segmentId;
        this.startEntryId = startEntryId;
        this.salt = salt;
        this.dataLimit = Math.min(capacity, file.capacity()) - FrameDescriptor.HEADER_LENGTH;
        this.tail = tail;
        this.hintAt = tail;
        this.nextEntryId = nextEntryId;
        this.dirtyFrom = tail;
        this.dirtyTo = tail;
        this.committedEnd = tail;
        this.zeroedEnd = tail;
    }

    /**
     * {@link #create(SegmentFile, int, long, long, int, int)} recording codec id {@code 0} (none).
     */
    public static SegmentAppender create(
        final SegmentFile file, final int kind, final long segmentId, final long startEntryId, final int salt)
    {
        return create(file, kind, segmentId, startEntryId, salt, 0);
    }

    /**
     * Write a fresh header of the current {@link SegmentDescriptor#FORMAT_VERSION} into a new
     * (zero-filled) segment file and return an appender at its first frame slot. The header is
     * visible on return, durable after the first {@link #force}: {@link #prepare} then
     * {@link #begin}.
     *
     * @param codecId the payload codec's {@link io.durability.codec.Codec#id() id} (0 = none), recorded
     *                at {@link SegmentDescriptor#CODEC_ID_OFFSET}.
     */
    public static SegmentAppender create(
        final SegmentFile file, final int kind, final long segmentId, final long startEntryId, final int salt,
        final int codecId)
    {
        final SegmentAppender appender = prepare(file, kind, segmentId, salt, codecId);
        appender.begin(startEntryId);
        return appender;
    }

    /**
     * An appender for a new (zero-filled) segment file with everything ready but what only the roll into
     * it knows, its first entry id: the header image is built and its CRC computed off to the side, and
     * nothing is written into the file (it stays all zeros, an uninitialized segment, until
     * {@link #begin}). Any thread; the appender then belongs to the thread that calls {@code begin}.
     */
    public static SegmentAppender prepare(
        final SegmentFile file, final int kind, final long segmentId, final int salt, final int codecId)
    {
        final int capacity = file.capacity();
        if (capacity < SegmentDescriptor.HEADER_LENGTH + 2 * FrameDescriptor.HEADER_LENGTH)
        {
            throw DurabilityException.invalidConfig(
                "segment capacity too small", ">= " + (SegmentDescriptor.HEADER_LENGTH + 2 * FrameDescriptor.HEADER_LENGTH),
                capacity);
        }
        final SegmentAppender appender = new SegmentAppender(
            file, segmentId, 0, salt, SegmentDescriptor.HEADER_LENGTH, 0, capacity, SegmentDescriptor.FORMAT_VERSION);
        // The appender's frame CRC state: no frame is written before begin(), and crc.wrap below re-aims it.
        appender.headerImage = HeaderImage.of(kind, segmentId, salt, capacity, codecId, appender.crc);
        appender.crc.wrap(file.byteBuffer());
        return appender;
    }

    /**
     * Write the header prepared by {@link #prepare} for a segment whose first entry is
     * {@code startEntryId}: every field but the magic in one copy, the first entry id, the header CRC
     * (the prepared one, corrected for the id by {@link HeaderImage#crcWith}: no checksum pass here), then
     * the magic in one 8-byte release store, so a crash while the header is written leaves magic 0, "not
     * initialized", never a half header. Visible on return.
     */
    public void begin(final long startEntryId)
    {
        final HeaderImage image = headerImage;
        if (image == null)
        {
            throw new IllegalStateException("begin() once, after prepare()");
        }
        headerImage = null;
        this.startEntryId = startEntryId;
        this.nextEntryId = startEntryId;
        final AtomicBuffer b = buffer;
        b.putBytes(SegmentDescriptor.VERSION_OFFSET, image.bytes, SegmentDescriptor.VERSION_OFFSET,
            SegmentDescriptor.HEADER_LENGTH - SegmentDescriptor.VERSION_OFFSET);
        b.putLong(SegmentDescriptor.START_ENTRY_ID_OFFSET, startEntryId);
        b.putInt(SegmentDescriptor.HEADER_CRC_OFFSET, image.crcWith(startEntryId));
        b.putLongRelease(SegmentDescriptor.MAGIC_OFFSET, SegmentDescriptor.MAGIC);
        dirtyFrom = 0;
    }

    /**
     * Continue appending to an existing segment whose valid data ends at {@code tail}. Bytes from
     * {@code tail} up to {@code garbageEnd} (left by a torn or aborted write) are zeroed first so
     * they can never be read as a frame; the zeroing is made durable by the next {@link #force}.
     */
    public static SegmentAppender resume(
        final SegmentFile file, final SegmentHeader header, final int tail, final long nextEntryId, final int garbageEnd)
    {
        final SegmentAppender appender = new SegmentAppender(
            file, header.segmentId(), header.startEntryId(), header.salt(), tail, nextEntryId, header.capacity(),
            header.version());
        if (garbageEnd > tail)
        {
            appender.buffer.setMemory(tail, garbageEnd - tail, (byte)0);
            appender.dirtyTo = garbageEnd;
            appender.zeroedEnd = garbageEnd;
        }
        // Frames above the recorded watermark may exist only in the page cache (a process crash, no
        // reboot): the first barrier after resume covers them too.
        final int proven = header.watermark() > 0 ? header.watermark() : 0;
        appender.dirtyFrom = Math.min(tail, proven);
        return appender;
    }

    /**
     * @return the largest payload a frame claimed now could hold, or {@code -1} when not even an
     * empty frame fits (or the segment is sealed).
     */
    public int available()
    {
        if (sealed)
        {
            return -1;
        }
        final int room = dataLimit - tail - HEADER_LENGTH;
        return room < 0 ? -1 : room & ~(ALIGNMENT - 1);
    }

    /**
     * Reserve a slot for a payload of up to {@code maxPayloadLength} bytes.
     *
     * @return the frame offset, or {@code -1} when it does not fit.
     */
    public int claim(final int maxPayloadLength)
    {
        if (maxPayloadLength < 0 || maxPayloadLength > available())
        {
            return -1;
        }
        return tail;
    }

    /** @return where the payload of the frame at {@code frameOffset} starts. */
    public static int payloadOffset(final int frameOffset)
    {
        return frameOffset + HEADER_LENGTH;
    }

    /**
     * Commit the claimed frame with its payload already written.
     *
     * @return the entry id assigned to it.
     */
    public long commit(final int frameOffset, final int payloadLength)
    {
        final long id = nextEntryId;
        writeFrame(frameOffset, payloadLength, TYPE_DATA, id);
        nextEntryId = id + 1;
        return id;
    }

    /**
     * Commit a frame claimed for up to {@code claimedLength} payload bytes with {@code payloadLength}
     * of them: the claimed bytes past the payload are zeroed first (padding is checked, and a later
     * frame's length slot may land there).
     *
     * @return the entry id assigned to it.
     */
    public long commitClaimed(final int frameOffset, final int claimedLength, final int payloadLength)
    {
        final int payloadEnd = payloadOffset(frameOffset) + payloadLength;
        final int claimedEnd = payloadOffset(frameOffset) + claimedLength;
        if (claimedEnd > payloadEnd)
        {
            buffer.setMemory(payloadEnd, claimedEnd - payloadEnd, (byte)0);
        }
        return commit(frameOffset, payloadLength);
    }

    /**
     * Abandon a claimed slot: zero the {@code claimedLength} payload bytes the caller may have written
     * so no later, shorter frame leaves a stale non-zero length after itself.
     */
    public void abort(final int frameOffset, final int claimedLength)
    {
        buffer.setMemory(frameOffset, HEADER_LENGTH + claimedLength, (byte)0);
        dirtyTo = Math.max(dirtyTo, frameOffset + HEADER_LENGTH + claimedLength);
        ZEROED_END.setRelease(this, dirtyTo);
    }

    /** Commit the seal frame: the segment is complete, its next id is {@link #nextEntryId()}. Idempotent. */
    public void seal()
    {
        if (!sealed)
        {
            writeFrame(tail, 0, TYPE_SEAL, nextEntryId);
            sealed = true;
        }
    }

    private void writeFrame(final int frameOffset, final int payloadLength, final short type, final long id)
    {
        final int frameLength = HEADER_LENGTH + payloadLength;
        final AtomicBuffer b = buffer;
        CrashPoints.hit(CrashPoints.FRAME_AFTER_PAYLOAD);
        b.putLong(entryIdOffset(frameOffset), id);
        b.putShort(typeOffset(frameOffset), type);
        CrashPoints.hit(CrashPoints.FRAME_MID_HEADER);
        b.putInt(saltOffset(frameOffset), salt);
        if (legacyFrames)
        {
            b.putShort(flagsOffset(frameOffset), (short)0);
            b.putInt(crcOffset(frameOffset), crc.compute(frameOffset + CRC_COVERAGE_OFFSET, frameLength - CRC_COVERAGE_OFFSET));
            CrashPoints.hit(CrashPoints.FRAME_BEFORE_COMMIT);
            b.putIntRelease(lengthOffset(frameOffset), frameLength);
        }
        else
        {
            // Format 2: the length check (covered by the CRC), then length and CRC together in one
            // aligned 8-byte release store. Until it lands the slot's first 8 bytes are all zero, so an
            // uncommitted frame is never confused with a committed one whose length was damaged.
            b.putShort(flagsOffset(frameOffset), lengthCheck(frameLength));
            final int frameCrc = crc.compute(frameOffset + CRC_COVERAGE_OFFSET, frameLength - CRC_COVERAGE_OFFSET);
            CrashPoints.hit(CrashPoints.FRAME_BEFORE_COMMIT);
            b.putLongRelease(lengthOffset(frameOffset), lengthAndCrc(frameLength, frameCrc));
        }
        tail = frameOffset + align(frameLength);
        COMMITTED_END.setRelease(this, tail);
        if (tail >= hintAt)
        {
            hintAt = tail + HINT_STRIDE;
            file.written(tail);
        }
    }

    /** Record, in the header, a watermark an earlier completed barrier proved durable. */
    public void recordWatermark(final int durableOffset)
    {
        storeWatermark(durableOffset);
        dirtyFrom = Math.min(dirtyFrom, SegmentDescriptor.WATERMARK_OFFSET);
    }

    /**
     * {@link #recordWatermark} for a barrier that tracks its own range ({@link #forceRange}): the
     * header's watermark pair only, safe from another thread while the writer appends (it touches no
     * byte a frame uses and none of this appender's fields).
     */
    public void storeWatermark(final int durableOffset)
    {
        // One aligned 8-byte store (watermark, then its check, little-endian): a process killed here
        // leaves the old pair or the new one, never a watermark beside the other one's check.
        final int check = watermarkCrc.computeInts(durableOffset, salt);
        // A release store, so that a reader beside the writer that sees the new pair sees every frame it covers.
        final long pair = (durableOffset & 0xFFFF_FFFFL) | ((long)check << 32);
        buffer.putLongRelease(SegmentDescriptor.WATERMARK_OFFSET,
            java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? pair : Long.reverseBytes(pair));
    }

    /**
     * @return the end of the committed frames ({@link #tail()}), read with acquire: safe from any
     * thread, and every frame committed before the store it reads lies below it.
     */
    public int committedEnd()
    {
        return (int)COMMITTED_END.getAcquire(this);
    }

    /**
     * @return the end of the bytes written so far, committed frames and zeroed claims alike, read
     * with acquire (at least {@link #committedEnd()} read before it): what a barrier on another thread
     * forces.
     */
    public int writtenEnd()
    {
        return Math.max((int)COMMITTED_END.getAcquire(this), (int)ZEROED_END.getAcquire(this));
    }

    /**
     * @return where the bytes no {@link #force} covered yet start (the header, for a new segment):
     * where a barrier that tracks its own range ({@link #forceRange}) starts.
     */
    public int unforcedFrom()
    {
        return dirtyFrom;
    }

    /**
     * Durability barrier for {@code [from, to)} only, leaving this appender's own dirty range alone:
     * for a barrier on another thread that tracks what it forced itself. Safe from another thread
     * while the writer appends, as long as the file stays open.
     *
     * @throws DurabilityException NOT_SUPPORTED, IO.
     */
    public void forceRange(final int from, final int to)
    {
        if (to > from)
        {
            file.force(from, to - from);
        }
    }

    /**
     * Durability barrier for everything written since the last one (including the header when it
     * changed). On return, frames below {@link #tail()} (and the seal, if written) survive power loss.
     *
     * @throws DurabilityException NOT_SUPPORTED, IO.
     */
    public void force()
    {
        final int end = Math.max(tail, dirtyTo);
        if (end > dirtyFrom)
        {
            file.force(dirtyFrom, end - dirtyFrom);
        }
        dirtyFrom = tail;
        dirtyTo = tail;
    }

    /** @return whether there are bytes written since the last {@link #force}. */
    public boolean isDirty()
    {
        return Math.max(tail, dirtyTo) > dirtyFrom;
    }

    /** @return the offset of the next frame slot (the end of committed data). */
    public int tail()
    {
        return tail;
    }

    /** @return the id the next frame will get. */
    public long nextEntryId()
    {
        return nextEntryId;
    }

    /** @return whether any data frame was committed in this segment. */
    public boolean hasFrames()
    {
        return nextEntryId > startEntryId;
    }

    /** @return whether {@link #seal()} was called. */
    public boolean isSealed()
    {
        return sealed;
    }

    /** @return the segment id. */
    public long segmentId()
    {
        return segmentId;
    }

    /** @return the first entry id of the segment. */
    public long startEntryId()
    {
        return startEntryId;
    }

    /** @return the underlying file. */
    public SegmentFile file()
    {
        return file;
    }

    /** @return the segment's buffer. */
    public AtomicBuffer buffer()
    {
        return buffer;
    }
}
