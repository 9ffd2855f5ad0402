package io.durability.walog;

import io.durability.storage.Directory;
import io.durability.storage.RelativePath;

import java.util.ArrayList;
import java.util.List;

/**
 * Names of the files in a WAL folder: segments are {@code wal-<segmentId>.seg} (decimal, no
 * padding, ordered numerically), the lock is {@code .lock}. Other files are ignored.
 */
public final class WalLayout
{
    /** Segment file name prefix. */
    public static final String SEGMENT_PREFIX = "wal-";

    /** Segment file name suffix. */
    public static final String SEGMENT_SUFFIX = ".seg";

    /** Lock file name inside the WAL folder. */
    public static final String LOCK_FILE = ".lock";

    private WalLayout()
    {
    }

    /** @return the path of segment {@code segmentId} in {@code walDir}. */
    public static String segmentPath(final String walDir, final long segmentId)
    {
        return RelativePath.join(walDir, SEGMENT_PREFIX + segmentId + SEGMENT_SUFFIX);
    }

    /** @return the path of the lock file of {@code walDir}. */
    public static String lockPath(final String walDir)
    {
        return RelativePath.join(walDir, LOCK_FILE);
    }

    /**
     * @return the segment id a file name denotes, or {@code -1} when the name is not a segment name.
     */
    public static long parseSegmentId(final String name)
    {
        if (!name.startsWith(SEGMENT_PREFIX) || !name.endsWith(SEGMENT_SUFFIX))
        {
            return -1;
        }
        final int from = SEGMENT_PREFIX.length();
        final int to = name.length() - SEGMENT_SUFFIX.length();
        if (to <= from || to - from > 18 || (name.charAt(from) == '0' && to - from > 1))
        {
            return -1;
        }
        long id = 0;
        for (int i = from; i < to; i++)
        {
            final char c = name.charAt(i);
            if (c < '0' || c > '9')
            {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return id >= 1 ? id : -1;
    }

    /** @return the segment ids present in {@code walDir}, ascending numerically. */
    public static long[] segmentIds(final Directory directory, final String walDir)
    {
        final List<Long> ids = new ArrayList<>();
        for (final String name : directory.list(walDir))
        {
            final long id = parseSegmentId(name);
            if (id > 0)
            {
                ids.add(id);
            }
        }
        return ids.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** Bytes of a frame header in front of every entry's payload (docs/FORMAT.md, "Frame"). */
    public static final int FRAME_HEADER_LENGTH = io.durability.internal.frame.FrameDescriptor.HEADER_LENGTH;

    /**
     * @param payloadLength an entry's payload bytes.
     * @return the bytes the entry takes in a segment: its frame header and payload, padded to 8.
     */
    public static int frameLength(final int payloadLength)
    {
        return io.durability.internal.frame.FrameDescriptor.align(FRAME_HEADER_LENGTH + payloadLength);
    }
}
