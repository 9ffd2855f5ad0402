package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.testhook.CrashPoints;
import io.durability.storage.Directory;
import io.durability.storage.SegmentFile;

import java.util.SplittableRandom;

/**
 * Creates a WAL's segments: the file (named ahead by {@link SegmentAhead} when the
 * {@link NextSegment} mode says so, else created here), then its header (segment id, first entry id,
 * a fresh salt, the codec id), which only the roll can write. Appending thread only, but for what
 * {@link SegmentAhead} does on its own thread.
 */
final class SegmentMaker
{
    private final Directory directory;
    private final WalOptions options;
    private final int codecId;
    private final SplittableRandom saltSource;
    /** {@code null} in {@link NextSegment#AT_ROLL} mode. */
    private final SegmentAhead ahead;

    /**
     * @param resumedAt the id a resumed WAL goes on with, or 0 for a new WAL: with
     *                  {@link WalOptions#saltSeed()} set, the salts are a function of the seed and it
     *                  (a resumed WAL does not repeat the salts of its first life).
     */
    SegmentMaker(final Directory directory, final WalOptions options, final int codecId, final long resumedAt)
    {
        this.directory = directory;
        this.options = options;
        this.codecId = codecId;
        this.saltSource = options.saltSeed() == null ?
            new SplittableRandom(System.nanoTime() ^ ((long)System.identityHashCode(this) << 32)) :
            new SplittableRandom(resumedAt == 0 ? options.saltSeed() : options.saltSeed() ^ (resumedAt * 0x9E3779B97F4A7C15L));
        final NextSegment mode = resolve(options, directory);
        this.ahead = mode == NextSegment.AT_ROLL ? null :
            new SegmentAhead(directory, options, mode == NextSegment.BACKGROUND, this::prepared);
    }

    /** @return what {@link NextSegment#AUTO} means on {@code directory}; other modes as given. */
    static NextSegment resolve(final WalOptions options, final Directory directory)
    {
        final NextSegment mode = options.nextSegment();
        if (mode != NextSegment.AUTO)
        {
            return mode;
        }
        return directory.filePath(options.walDir()).isPresent() ? NextSegment.BACKGROUND : NextSegment.AT_ROLL;
    }

    /**
     * Begin segment {@code segmentId} at entry {@code startEntryId}: take the segment named ahead or
     * create it, and write its header (prepared: a copy, the id, the CRC, the magic). The caller asks for
     * the next one ahead ({@link #aheadOf}).
     */
    SegmentAppender create(final long segmentId, final long startEntryId)
    {
        SegmentAppender next = ahead == null ? null : ahead.take(segmentId);
        if (next == null)
        {
            next = prepared(segmentId);
        }
        CrashPoints.hit(CrashPoints.ROLL_AFTER_CREATE);
        next.begin(startEntryId);
        CrashPoints.hit(CrashPoints.ROLL_AFTER_HEADER);
        return next;
    }

    /**
     * Create segment {@code segmentId}'s file (all zeros) and prepare its appender: a fresh salt, the
     * header image and its CRC; nothing written into the file. Any thread (the writer's, or the one naming
     * segments ahead).
     */
    SegmentAppender prepared(final long segmentId)
    {
        final SegmentFile file = directory.createSegment(WalLayout.segmentPath(options.walDir(), segmentId),
            options.segmentCapacity());
        try
        {
            return SegmentAppender.prepare(file, SegmentDescriptor.KIND_WAL_SEGMENT, segmentId, nextSalt(), codecId);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /** @return a non-zero salt; salts are drawn in the order segments are prepared. */
    private synchronized int nextSalt()
    {
        int salt;
        do
        {
            salt = saltSource.nextInt();
        }
        while (salt == 0);
        return salt;
    }

    /** The writer appends in {@code segmentId} (created, or resumed): name the one after it ahead. */
    void aheadOf(final long segmentId)
    {
        if (ahead != null)
        {
            ahead.request(segmentId + 1);
        }
    }

    /** Close a segment the writer rolled away from, off the appending thread when the mode allows. */
    void retire(final SegmentFile file)
    {
        if (ahead == null)
        {
            file.close();
        }
        else
        {
            ahead.retire(file);
        }
    }

    /**
     * @param rolls the writer's rolls so far.
     * @return those that found no segment named ahead ready ({@link WalMetrics#rollsWithoutSpare()}):
     * every one when nothing is named ahead.
     */
    long rollsWithoutSpare(final long rolls)
    {
        return ahead == null ? rolls : ahead.misses();
    }

    /** Stop naming ahead; delete the segment named ahead and never used. The WAL lock must still be held. */
    void close()
    {
        if (ahead != null)
        {
            ahead.close();
        }
    }
}
