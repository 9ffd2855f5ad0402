/**
 * A {@link io.durability.storage.Directory} on a real folder with preallocated, memory-mapped segment
 * files: {@link io.durability.storage.mmap.MmapDirectory}.
 *
 * <h2>Layout</h2>
 * As in Lucene's store package, where {@code MMapDirectory} adds mappings to {@code FSDirectory},
 * the public {@code MmapDirectory} is a thin front over two package-private layers, each class
 * with one job:
 * <ul>
 *   <li>File system: {@code ConfinedPaths} (paths confined to the root), {@code Folders} (folders
 *   created and made durable), {@code FsFiles} (byte files, listings, renames, atomic writes, file
 *   and folder barriers), {@code ByteFileStreams} (byte file streams that fail with the library's
 *   error) and {@code MmapLock} (OS lock files).</li>
 *   <li>Mapped segments: {@code MmapSegments} (create, open and map segment files; metrics),
 *   {@code MmapSegment} (one mapping and its barrier), {@code SegmentPreparer} (which spare serves
 *   which roll), {@code SpareFiles} (a spare's life as a file), {@code PreTouching} (a spare's pages
 *   touched as {@code PreTouch} says), {@code PageWarmer} (pages kept writable ahead of a writer's
 *   tail), {@code MappingReleaser} (closed mappings released off the closing thread, bounded) and
 *   {@code PreparingThread} (the one background thread they share), with {@code SegmentAllocator}
 *   and its implementations for block allocation.</li>
 * </ul>
 * A roll confines its path like any other call, and asks the file system nothing else that this
 * check already answered (see {@code MmapDirectory#createSegment} and {@code ConfinedPaths}); nothing about a path is
 * remembered from one call to the next, so confinement is as strong at the hundredth roll as at
 * the first.
 *
 * <h2>Invariants (must not change without a note in docs/FORMAT.md)</h2>
 * <ul>
 *   <li>A segment file handed out by {@code createSegment} has its full length, all zero, with its
 *   blocks allocated and synced before the first store into its mapping. A full disk is an
 *   {@code IO} error from {@code createSegment}, never a fault on a store (on filesystems that
 *   overwrite in place; see {@code MmapDirectory}).</li>
 *   <li>Files named {@code .mmap-prepared-*.tmp} are this package's spares: never segments, never
 *   listed, deleted when no process holds them. Nothing else in a folder is created behind the
 *   caller's back, except the short-lived {@code .<name>.tmp-*} files of atomic writes.</li>
 *   <li>Every open segment is one mapping and one file descriptor, both released by its
 *   {@code close()}, not by the garbage collector.</li>
 *   <li>A lock file is held with an OS lock for as long as its {@code DirectoryLock} is open and the
 *   process lives; the JVM-wide set of held lock files refuses a second holder in the same process
 *   without touching the file.</li>
 * </ul>
 *
 * <h2>Recovery posture</h2>
 * The directory repairs nothing itself. After a crash it offers what the operating system kept:
 * after a process crash, every store (the page cache survives the process); after a power loss or
 * an OS crash, everything a barrier covered, plus an arbitrary subset of the rest. Stale spares are
 * removed on open. Deciding which bytes are a torn tail is the job of the frame and WAL layers
 * above ({@code io.durability.walog.ReplayMode}).
 *
 * <h2>Not provided (and why)</h2>
 * <ul>
 *   <li>Protection from another process truncating a mapped file: a load or store past the new end
 *   raises {@code SIGBUS}, which the JVM turns into an {@code InternalError} or a crash.</li>
 *   <li>Use of a segment after its {@code close()} from another thread: the memory is unmapped at
 *   once, as Chronicle Queue's lingering mappings show is the lesser evil.</li>
 *   <li>Block allocation guarantees on copy-on-write, compressing or thin-provisioned storage.</li>
 *   <li>Directory sync on Windows (opening a folder as a file is not possible there).</li>
 * </ul>
 */
package io.durability.storage.mmap;
