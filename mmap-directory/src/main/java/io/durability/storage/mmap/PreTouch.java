package io.durability.storage.mmap;

/**
 * How the preparing thread of an {@link MmapDirectory} touches a spare segment's pages before the
 * spare is handed out, so that the appending thread does not take the page faults itself.
 *
 * <p>What a fault costs depends on the filesystem. On tmpfs a page read once through a shared
 * mapping is also writable: stores into it never fault again. Filesystems that track the dirty
 * pages of shared mappings (ext4, XFS) map a clean page read-only, and the first store to it takes a
 * write fault however it was touched before; on the 2-core VM the benchmarks ran on, that fault cost
 * about 7 µs on a page nobody had touched and about 19 µs on a page a read had mapped (see
 * {@code bench/RESULTS.md}). Only a store makes such a page writable, and a stored page is dirty:
 * the first {@code fdatasync} after the roll then writes back every page so touched.
 *
 * <p>Whatever the mode, the spare's first page is touched by a store: the writer's segment header
 * goes there first, and the first barrier after the roll writes that page anyway.
 *
 * <p><b>Choosing.</b> Pre-touch acts once, on a whole spare, before the roll. The page warmer
 * ({@link MmapOptions#withPageWarmer}) acts continuously on a bounded window ahead of the writer:
 * with it, pages are made writable shortly before they are written (so a barrier has at most the
 * window to write back, and ranged barriers skip even that), and pages the kernel cleaned are made
 * writable again. {@link #WRITE} suits writers that rarely sync and write in bursts faster than a
 * warmer can keep ahead; the warmer suits writers that sync, at a steady rate; {@link #AUTO} (the
 * default) suits everything else, at the price of one first-store fault per page on the appending
 * thread on disk filesystems.
 */
public enum PreTouch
{
    /** {@link #READ} on tmpfs (and ramfs), {@link #NONE} elsewhere: the cheapest faults without dirtying pages. */
    AUTO,
    /** Nothing but the first page: the appending thread takes the first-touch fault of every other page. */
    NONE,
    /** Read every page through the mapping ({@code MappedByteBuffer.load()}). */
    READ,
    /**
     * Store a zero into every page through the mapping: the appending thread takes no fault until
     * writeback cleans the pages (about 30 s on Linux defaults), on every filesystem. The price: the
     * whole segment is dirty, so the first barrier after each roll writes all of it back (tens of
     * milliseconds per 64 MiB on an SSD). For writers that never, or rarely, call
     * {@code flushAndSync}.
     */
    WRITE,
    /**
     * Put every page of the spare in the page cache, without mapping or dirtying it through the
     * mapping: zeros written over the spare's zeros with {@code write(2)} on the preparing thread, never
     * synced (the allocator has already made the file's length and reserved blocks durable, so after any
     * crash the file still reads as zeros). On ext4 the writer's first stores then take one fault per 16
     * pages instead of one per 6, each cheaper: 0.7–0.8 µs per 4 KiB page against 1.4–3.7 µs for a
     * fallocated file on the benchmarks' VM ({@code FreshPageProbe}, bench/RESULTS.md). The price: 64 MiB
     * of {@code write(2)} per segment on the preparing thread, and pages the writer does not overwrite
     * within the kernel's writeback delay (about 30 s) are written to the disk as zeros. Implies
     * {@linkplain MmapOptions#withRangedBarriers ranged barriers}, so a barrier writes back what it
     * covers, not the whole file.
     */
    CACHE
}
