package io.durability.storage.mmap;

import java.util.Objects;

/**
 * How an {@link MmapDirectory} prepares segment files. Immutable; the {@code with*} methods return
 * copies.
 */
public final class MmapOptions
{
    private static final MmapOptions DEFAULTS = new MmapOptions(true, PreTouch.AUTO, ZeroFillAllocator.INSTANCE);

    private final boolean prepareAhead;
    private final PreTouch preTouch;
    private final SegmentAllocator allocator;

    private MmapOptions(final boolean prepareAhead, final PreTouch preTouch, final SegmentAllocator allocator)
    {
        this.prepareAhead = prepareAhead;
        this.preTouch = preTouch;
        this.allocator = allocator;
    }

    /** @return the defaults: segments prepared ahead on a background thread, pre-touched {@link PreTouch#AUTO}. */
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
     * @param preTouch how a prepared spare's pages are touched on the preparing thread before it is
     *                 handed out (ignored without {@link #withPrepareAhead prepare-ahead}); see
     *                 {@link PreTouch}.
     */
    public MmapOptions withPreTouch(final PreTouch preTouch)
    {
        return new MmapOptions(prepareAhead, Objects.requireNonNull(preTouch, "preTouch"), allocator);
    }

    /**
     * @param preallocation how a new segment file gets its blocks (see {@link Preallocation}); both
     *                      reserve them at creation, so a full disk fails there.
     */
    public MmapOptions withPreallocation(final Preallocation preallocation)
    {
        return new MmapOptions(prepareAhead, preTouch,
            Objects.requireNonNull(preallocation, "preallocation") == Preallocation.FALLOCATE ?
            FallocateAllocator.INSTANCE : ZeroFillAllocator.INSTANCE);
    }

    /** @return how a new segment file gets its blocks (for a test seam's allocator: {@link Preallocation#ZERO_FILL}). */
    public Preallocation preallocation()
    {
        return allocator == FallocateAllocator.INSTANCE ? Preallocation.FALLOCATE : Preallocation.ZERO_FILL;
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

    /** @return how a prepared spare's pages are pre-touched. */
    public PreTouch preTouch()
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
        return "MmapOptions{prepareAhead=" + prepareAhead + ", preTouch=" + preTouch + ", preallocation=" +
            preallocation() + '}';
    }
}
