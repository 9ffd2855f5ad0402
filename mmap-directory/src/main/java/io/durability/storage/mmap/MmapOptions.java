package io.durability.storage.mmap;

import java.util.Objects;

/**
 * How an {@link MmapDirectory} prepares segment files. Immutable; the {@code with*} methods return
 * copies.
 */
public final class MmapOptions
{
    private static final MmapOptions DEFAULTS = new MmapOptions(true, PreTouch.AUTO, FallocateAllocator.INSTANCE, 0, false);

    private final boolean prepareAhead;
    private final PreTouch preTouch;
    private final SegmentAllocator allocator;
    private final int pageWarmerWindow;
    private final boolean rangedBarriers;

    private MmapOptions(
        final boolean prepareAhead, final PreTouch preTouch, final SegmentAllocator allocator, final int pageWarmerWindow,
        final boolean rangedBarriers)
    {
        this.prepareAhead = prepareAhead;
        this.preTouch = preTouch;
        this.allocator = allocator;
        this.pageWarmerWindow = pageWarmerWindow;
        this.rangedBarriers = rangedBarriers;
    }

    /**
     * @return the defaults: segments prepared ahead on a background thread, their blocks reserved by
     * {@link Preallocation#FALLOCATE} (zero-filled where that cannot be used), pre-touched
     * {@link PreTouch#AUTO}, no page warmer, barriers by {@code fdatasync} on Linux.
     */
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
        return new MmapOptions(prepareAhead, preTouch, allocator, pageWarmerWindow, rangedBarriers);
    }

    /**
     * @param preTouch how a prepared spare's pages are touched on the preparing thread before it is
     *                 handed out (ignored without {@link #withPrepareAhead prepare-ahead}); see
     *                 {@link PreTouch}.
     */
    public MmapOptions withPreTouch(final PreTouch preTouch)
    {
        return new MmapOptions(prepareAhead, Objects.requireNonNull(preTouch, "preTouch"), allocator, pageWarmerWindow,
            rangedBarriers);
    }

    /**
     * @param preallocation how a new segment file gets its blocks (see {@link Preallocation}); both
     *                      reserve them at creation, so a full disk fails there.
     */
    public MmapOptions withPreallocation(final Preallocation preallocation)
    {
        return new MmapOptions(prepareAhead, preTouch,
            Objects.requireNonNull(preallocation, "preallocation") == Preallocation.FALLOCATE ?
            FallocateAllocator.INSTANCE : ZeroFillAllocator.INSTANCE, pageWarmerWindow, rangedBarriers);
    }

    /** @return how a new segment file gets its blocks (for a test seam's allocator: {@link Preallocation#ZERO_FILL}). */
    public Preallocation preallocation()
    {
        return allocator == FallocateAllocator.INSTANCE ? Preallocation.FALLOCATE : Preallocation.ZERO_FILL;
    }

    /** Test seam: replace how blocks are allocated (fault injection). */
    MmapOptions withAllocator(final SegmentAllocator allocator)
    {
        return new MmapOptions(prepareAhead, preTouch, Objects.requireNonNull(allocator, "allocator"), pageWarmerWindow,
            rangedBarriers);
    }

    /**
     * @param windowBytes warm the pages of each writable segment up to this many bytes ahead of its
     *                    writer, on a thread of the directory's own ({@code PageWarmer}: a CAS of 0 to
     *                    0 on each page's first int, which makes the page writable without changing a
     *                    byte); {@code 0} (the default) turns it off. Implies
     *                    {@link #withRangedBarriers ranged barriers}, since a barrier of the whole file
     *                    would write back every warmed page. Experimental: see the README's
     *                    performance section for what it measured.
     * @throws IllegalArgumentException for a negative window, or one under a page (4096) but not 0.
     */
    public MmapOptions withPageWarmer(final int windowBytes)
    {
        if (windowBytes < 0 || (windowBytes > 0 && windowBytes < PageWarmer.PAGE))
        {
            throw new IllegalArgumentException("page warmer window must be 0 (off) or at least 4096 bytes: " + windowBytes);
        }
        return new MmapOptions(prepareAhead, preTouch, allocator, windowBytes, rangedBarriers);
    }

    /** @return the page warmer's window in bytes; 0: off. */
    public int pageWarmerWindow()
    {
        return pageWarmerWindow;
    }

    /**
     * @param ranged force a segment with {@code msync(MS_SYNC)} of the range asked for
     *               ({@code MappedByteBuffer.force(index, length)}) rather than, on Linux,
     *               {@code fdatasync(2)} of the whole file (the default there: it measured faster for
     *               one dirty range, and it covers mapped stores on Linux). Elsewhere barriers are
     *               always ranged.
     */
    public MmapOptions withRangedBarriers(final boolean ranged)
    {
        return new MmapOptions(prepareAhead, preTouch, allocator, pageWarmerWindow, ranged);
    }

    /** @return whether barriers are ranged {@code msync} even on Linux (or implied by the page warmer). */
    public boolean rangedBarriers()
    {
        return rangedBarriers || pageWarmerWindow > 0;
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
            preallocation() + ", pageWarmerWindow=" + pageWarmerWindow + ", rangedBarriers=" + rangedBarriers() + '}';
    }
}
