package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.testhook.CrashPoints;
import io.durability.storage.Directory;
import io.durability.storage.SegmentFile;

import java.util.SplittableRandom;

/** Creates a WAL's segment files: the file, then its header (segment id, first entry id, a fresh salt, the codec id). */
final class SegmentMaker
{
    private final Directory directory;
    private final WalOptions options;
    private final int codecId;
    private final SplittableRandom saltSource;

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
    }

    /** Create segment {@code segmentId}, starting at entry {@code startEntryId}. */
    SegmentAppender create(final long segmentId, final long startEntryId)
    {
        final String path = WalLayout.segmentPath(options.walDir(), segmentId);
        final SegmentFile file = directory.createSegment(path, options.segmentCapacity());
        CrashPoints.hit(CrashPoints.ROLL_AFTER_CREATE);
        try
        {
            int salt;
            do
            {
                salt = saltSource.nextInt();
            }
            while (salt == 0);
            return SegmentAppender.create(file, SegmentDescriptor.KIND_WAL_SEGMENT, segmentId, startEntryId, salt, codecId);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }
}
