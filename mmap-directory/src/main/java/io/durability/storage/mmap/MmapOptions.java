package io.durability.storage.mmap;

import java.util.Objects;

/**
 * How an {@link MmapDirectory} prepares segment files. Immutable; the {@code with*} methods return
 * copies.
 */
public final class MmapOptions
{
    private static final MmapOptions DEFAULTS = new MmapOptions(true, true, ZeroFillAllocator.INSTANCE);

    private final boolean prepareAhead;
    private final boolean preTouch;
    private final SegmentAllocator allocator;

    private MmapOptions(final boolean prepareAhead, final boolean preTouch, final SegmentAllocator allocator)
    {
        this.prepareAhead = prepareAhead;
        this.preTouch = preTouch;
        this.allocator = allocator;
    }

    /** @return the defaults: segments prepared ahead on a background thread, with pages pre-touched. */
    public static MmapOptions defaults()
    {
        return DEFAULTS;
    }

    /**
     * @param prepareAhead whether, after each {@code createSegment}, a spare file of the same capacity
     *                     is prepared in the same folder on the directory's background thread, so the
     *                     next roll is a rename. Off: every segment is allocated on the calling thread,
     *                     and no thread is started.
     */
    public MmapOptions withPrepareAhead(final boolean prepareAhead)
    {
        return new MmapOptions(prepareAhead, preTouch, allocator);
    }

    /**
     * @param preTouch whether a prepared spare's pages are read once through its mapping on the
     *                 preparing thread, so the appending thread finds them mapped. On tmpfs its stores
     *                 then never fault; on ext4 or XFS the first store to each page still takes a minor
     *                 write fault (dirty-page tracking; see {@link MmapDirectory}).
     */
    public MmapOptions withPreTouch(final boolean preTouch)
    {
        return new MmapOptions(prepareAhead, preTouch, allocator);
    }

    /** Test seam: replace how blocks are allocated (fault injection). */
    MmapOptions withAllocator(final SegmentAllocator allocator)
    {
        return new MmapOptions(prepareAhead, preTouch, Objects.requireNonNull(allocator, "allocator"));
    }

    /** @return whether spares are prepared ahead on a background thread. */
    public boolean prepareAhead()
    {
        return prepareAhead;
    }

    /** @return whether a prepared spare's pages are pre-touched. */
    public boolean preTouch()
    {
        return preTouch;
    }

    SegmentAllocator allocator()
    {
        return allocator;
    }

    @Override
    public String toString()
    {
        return "MmapOptions{prepareAhead=" + prepareAhead + ", preTouch=" + preTouch + '}';
    }
}
