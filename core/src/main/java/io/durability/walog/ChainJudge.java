package io.durability.walog;

import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

/**
 * The rules of the segment chain, and their error texts, in one place. Every reader walks the chain
 * its own way ({@link WalScan} knows every header before it reads a frame; a {@link WalTailer}
 * learns the chain as the writer makes it), and at each point where the chain can be damaged both ask
 * the judge the same question with the facts they have, and get the same answer: nothing wrong,
 * <b>corruption</b> (damage no crash leaves, or damage to what a barrier proved durable: an error
 * whatever the mode), or <b>the end of the stream</b> a power cut may leave (a verdict of a torn tail
 * for a scan; for a tailer, an error in {@link ReplayMode#STRICT strict} mode and a stop in best effort).
 * The per-frame rules inside one segment are {@code SegmentScanner}'s.
 *
 * <p>The one fact every question takes is <b>proven</b>: a segment after the one in question records
 * a non-zero durable watermark. A writer records one only after a completed barrier made every earlier
 * segment, seal and folder entry durable, so what a later watermark covers can never be a power-loss
 * tail. {@code OneJudgeTest} holds every reader to the same answer over seeded damage of seven kinds.
 */
final class ChainJudge
{
    /** A point of the chain judged: {@code corrupt} or, when not, the end of the stream; {@code why} says what is wrong. */
    record Judgement(boolean corrupt, DurabilityException why)
    {
    }

    static final String MISSING_PROVEN = " (a later segment records a durable watermark, so the missing one was durable)";
    static final String MISSING_TAIL = " (created after the last completed barrier: a power-loss tail)";
    static final String HEADER_NEVER_REACHED_DISK =
        " (the header of a segment created after the last completed barrier never reached the disk)";
    static final String SEAL_PROVEN = " (a later segment records a durable watermark, so this seal was durable)";
    static final String SEAL_TAIL =
        " (the seal never reached the disk: the segments after it were created after the last completed barrier)";
    static final String TORN_PROVEN = " in a segment a later barrier proved durable";

    private ChainJudge()
    {
    }

    /**
     * A header that reads, against its file: it names the file's segment, the file is as long as the
     * capacity it records, and (when {@code codecId} is not 0) it records no other non-zero codec id.
     *
     * @return the problem (FORMAT, or INVALID_CONFIG for the codec), or {@code null}.
     */
    static DurabilityException header(
        final String path, final long id, final SegmentHeader header, final long fileLength, final int codecId)
    {
        if (header.segmentId() != id)
        {
            return DurabilityException.format("segment id in header does not match the file name", path,
                SegmentDescriptor.SEGMENT_ID_OFFSET, id, header.segmentId());
        }
        if (fileLength != header.capacity())
        {
            return DurabilityException.format(
                "segment file length differs from the capacity in its header (a truncated or extended file)",
                path, -1, header.capacity() + " bytes", fileLength + " bytes");
        }
        if (codecId != 0 && header.codecId() != 0 && header.codecId() != codecId)
        {
            return codecMismatch(path, codecId, header.codecId());
        }
        return null;
    }

    /** A WAL written with another codec than the one given: a configuration error, not damage. */
    static DurabilityException codecMismatch(final String path, final int expected, final int found)
    {
        return DurabilityException.invalidConfig(
            "the WAL was written with another codec: this segment's header records codec id " + found +
            ", the codec given has id " + expected + "; open it with the codec that wrote it (or one of id 0, such " +
            "as BytesCodec, which reads any bytes)", path, SegmentDescriptor.CODEC_ID_OFFSET, String.valueOf(expected),
            String.valueOf(found));
    }

    /** Segment {@code previousId} exists, the next one there is {@code nextId}, and those between are missing. */
    static Judgement missing(final String walDir, final long previousId, final long nextId, final boolean proven)
    {
        final DurabilityException missing = DurabilityException.format(
            "a segment file is missing between " + WalLayout.segmentPath(walDir, previousId) + " and this one",
            WalLayout.segmentPath(walDir, nextId), -1, "segment " + (previousId + 1), "segment " + nextId);
        return new Judgement(proven, missing.withNote(proven ? MISSING_PROVEN : MISSING_TAIL));
    }

    /**
     * A header that is all zeros (never initialized) in a segment that is not the newest: the writer
     * initializes a header before it creates the next segment, so only a power cut leaves this, and
     * only where no later watermark proves the segment.
     *
     * @param headerError what reading the header said.
     */
    static Judgement uninitialized(final DurabilityException headerError, final boolean proven)
    {
        return new Judgement(proven, proven ? headerError : headerError.withNote(HEADER_NEVER_REACHED_DISK));
    }

    /** A segment that does not start with the id the previous one's seal names: always corruption. */
    static DurabilityException wrongStart(final String path, final long expected, final long found)
    {
        return DurabilityException.format("segment does not start where the previous segment's seal says", path,
            SegmentDescriptor.START_ENTRY_ID_OFFSET, expected, found);
    }

    /** A segment whose data ends at {@code offset} without a seal, and a later segment exists. */
    static Judgement unsealed(final String path, final int offset, final boolean proven)
    {
        final DurabilityException noSeal = DurabilityException.format(
            "segment ends without a seal but is not the final segment", path, offset, "a seal frame", "end of data");
        return new Judgement(proven, noSeal.withNote(proven ? SEAL_PROVEN : SEAL_TAIL));
    }

    /**
     * @return whether {@code segment}'s first frame slot holds no commit word (read with acquire: a writer
     * stores the magic before any frame, so read before the header, a word seen here means the header
     * read after it is the real one).
     */
    static boolean firstSlotEmpty(final SegmentFile segment)
    {
        return segment.capacity() < SegmentDescriptor.HEADER_LENGTH + 8 ||
            segment.buffer().getLongVolatile(SegmentDescriptor.HEADER_LENGTH) == 0;
    }

    /**
     * Whether a segment whose header was never initialized (magic 0), and which no later watermark
     * proves, is a <b>segment named ahead</b>: the writer's next segment, created under its final name
     * while the writer still appends to the one before ({@link NextSegment}), or one a roll has just
     * created. It is when it is the newest segment and holds no frame: the end of the WAL, whether the
     * segment before it is sealed or not, never data and never an error. Anything else uninitialized is
     * what a power cut leaves ({@link #uninitialized}): a writer names a segment ahead only after it
     * initialized the one before, and writes a frame only after the header.
     *
     * @param newest      whether no segment file comes after it.
     * @param noFrameAtStart whether its first frame slot is empty.
     */
    static boolean namedAhead(final boolean newest, final boolean noFrameAtStart)
    {
        return newest && noFrameAtStart;
    }

    /**
     * A segment's header as a tool that reads every segment on its own sees it ({@link WalInspector},
     * {@link WalSalvage}).
     *
     * @param header     the validated header, or {@code null} when it does not read.
     * @param problem    why it does not read; {@code null} with a header, and for a segment named ahead.
     */
    record HeaderRead(SegmentHeader header, DurabilityException problem)
    {
        /** @return whether the segment is one a writer named ahead: no header, and no problem. */
        boolean namedAhead()
        {
            return header == null && problem == null;
        }
    }

    /**
     * Read the header of {@code segment}, the {@code newest} of its WAL or not: a header that does not read
     * is a problem unless the segment is one named ahead ({@link #namedAhead}).
     */
    static HeaderRead readHeader(
        final SegmentFile segment, final io.durability.internal.frame.Crc32cRange crc, final String path,
        final boolean newest)
    {
        final org.agrona.concurrent.UnsafeBuffer snapshot = SegmentHeader.snapshot(segment.buffer());
        crc.wrap(snapshot.byteBuffer());
        try
        {
            return new HeaderRead(SegmentHeader.read(snapshot, crc, path, SegmentDescriptor.KIND_WAL_SEGMENT), null);
        }
        catch (final DurabilityException ex)
        {
            final boolean ahead = snapshot.capacity() >= 8 && snapshot.getLong(0) == 0 &&
                namedAhead(newest, firstSlotEmpty(segment));
            return new HeaderRead(null, ahead ? null : ex);
        }
    }

    /**
     * A torn write ({@code SegmentScanner}'s {@code TORN}: an incomplete frame whose slot holds an
     * all-zero 512-byte sector) ending valid data at {@code endOffset} of a segment whose header records
     * {@code watermark}: corruption below the watermark (acknowledged data) or where a later segment
     * proves this one, else the end a power cut leaves.
     */
    static Judgement torn(final DurabilityException problem, final int endOffset, final int watermark, final boolean proven)
    {
        if (endOffset < watermark)
        {
            return new Judgement(true, problem.withNote(" (below the durable watermark " + watermark + ": acknowledged data)"));
        }
        return new Judgement(proven, proven ? problem.withNote(TORN_PROVEN) : problem);
    }
}
