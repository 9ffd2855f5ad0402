package io.durability.storage;

/** Shared argument checks for {@link Directory} implementations' segment files. */
public final class SegmentFiles
{
    /** The smallest segment capacity any backend accepts. */
    public static final int MIN_CAPACITY = 64;

    /** The largest segment capacity: an Agrona buffer is int-indexed, kept a multiple of 8. */
    public static final int MAX_CAPACITY = Integer.MAX_VALUE - 7;

    private SegmentFiles()
    {
    }

    /**
     * @throws DurabilityException INVALID_CONFIG when {@code capacity} is below {@link #MIN_CAPACITY},
     *                             above {@link #MAX_CAPACITY} or not a multiple of 8.
     */
    public static void checkCapacity(final String path, final long capacity)
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & 7) != 0)
        {
            throw DurabilityException.invalidConfig("invalid segment capacity", path, -1,
                "a multiple of 8 in [" + MIN_CAPACITY + ", " + MAX_CAPACITY + "]", capacity);
        }
    }

    /** @return the capacity an existing file of {@code fileLength} bytes is opened with. */
    public static int usableCapacity(final long fileLength)
    {
        return (int)(Math.min(fileLength, MAX_CAPACITY) & ~7L);
    }
}
