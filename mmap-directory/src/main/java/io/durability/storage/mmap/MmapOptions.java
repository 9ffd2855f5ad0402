package io.durability.storage.mmap;

import java.util.Objects;

/**
 * How an {@link MmapDirectory} prepares segment files. Immutable; the {@code with*} methods return
 * copies.
 */
public final class MmapOptions
{
    /** The page warmer's window in the defaults: 1 MiB ahead of each writer (see {@link #withPageWarmer}). */
    public static final int DEFAULT_PAGE_WARMER_WINDOW = 1 << 20;

    private static final MmapOptions DEFAULTS = new MmapOptions(true, PreTouch.AUTO, FallocateAllocator.INSTANCE,
        DEFAULT_PAGE_WARMER_WINDOW, false);

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
     * {@link Preallocation#FALLOCATE} (zero-filled where that cannot be used, and on memory
     * filesystems), pre-touched {@link PreTouch#AUTO}, the page warmer on with a window of
     * {@value #DEFAULT_PAGE_WARMER_WINDOW} bytes on disk filesystems (so barriers there are ranged
     * {@code msync}), barriers by {@code fdatasync} elsewhere on Linux.
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
     *                    byte; the thread parks between passes and runs as {@code SCHED_IDLE} where
     *                    the native layer loads, so it never preempts the writer); {@code 0} turns it
     *                    off. The default is {@value #DEFAULT_PAGE_WARMER_WINDOW}. Only segments on
     *                    disk filesystems are warmed: on tmpfs and ramfs the pre-touch already leaves
     *                    every page writable. Implies {@link #withRangedBarriers ranged barriers} for
     *                    the segments it warms, since a barrier of the whole file would write back
     *                    every warmed page. Measured on the benchmarks' VM (bench/RESULTS.md): at
     *                    500 000 appends/s p90 95 ns instead of 12.7 us and p99.9 0.62 ms instead of
     *                    2.1 ms; sustained appends 5-15 % cheaper; {@code flushAndSync} about 5 % dearer.
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

    /**
     * @return whether barriers are ranged {@code msync} even on Linux, asked for or implied by the page
     * warmer (for the segments it warms: those on disk filesystems).
     */
    public boolean rangedBarriers()
    {
        return rangedBarriers || pageWarmerWindow > 0 || preTouch == PreTouch.CACHE;
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
