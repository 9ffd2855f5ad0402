package io.durability.storage.mmap;

import io.durability.storage.AgronaAccess;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFile;
import io.durability.storage.SegmentFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Directory} on a real folder, with segment files preallocated and memory-mapped: the
 * backend a WAL uses in production. It implements the same contract as
 * {@link io.durability.storage.MemoryDirectory}, and runs the same contract tests.
 *
 * <h2>Visibility, atomicity, durability</h2>
 * <ul>
 *   <li><b>Visible</b>: a segment is a shared mapping of the file, so a store through
 *   {@link SegmentFile#buffer()} is visible to every mapping of that file, in this process and in
 *   others, as soon as it is performed (ordered stores such as {@code putIntRelease} order it). The
 *   page cache outlives the process: a process killed at any instant, even by {@code SIGKILL}, loses
 *   nothing it stored. Byte files are visible when their stream is closed.</li>
 *   <li><b>Atomic</b>: {@link #atomicRename} and {@link #atomicWrite} are a {@code rename(2)}, so a
 *   reader (or a crash) sees the old file or the new one. Nothing else is atomic: in particular a
 *   power loss can persist any subset of the pages, or sectors, of a segment that were not forced;
 *   the frame layer above is built for that.</li>
 *   <li><b>Durable</b>: only after a barrier returns.
 *   {@link SegmentFile#force} is {@code fdatasync(2)} of the file on Linux (it also writes back
 *   pages dirtied through the mapping, and {@code MmapForceBenchmark} measured it faster than a
 *   ranged {@code msync}: a median of 0.84 against 1.05 ms on ext4) and a ranged
 *   {@code msync(MS_SYNC)} elsewhere. {@link #syncFile} is {@code fsync(2)}. {@link #syncParentDir}
 *   fsyncs the folder holding the path, and also the parent of every folder on the way up that this
 *   directory created and has not synced yet (so the first segment of a new WAL folder does not
 *   vanish with its folder). A failed barrier leaves durability unknown; callers treat it as fatal
 *   (the WAL poisons its writer).</li>
 * </ul>
 *
 * <h2>Segments and a full disk</h2>
 * {@link #createSegment} creates the file exclusively and writes zeros over its whole capacity
 * through the channel before mapping it, then {@code fdatasync}s it: the blocks are really
 * allocated (Java has no {@code fallocate}; {@code setLength} would leave a sparse file). A full
 * disk therefore fails {@code createSegment} with {@link Kind#IO}, the partial file deleted, before
 * any store into a mapping; it is never a {@code SIGBUS} or a JVM {@link InternalError} later.
 * That promise needs a filesystem that overwrites allocated blocks in place (ext4, XFS without
 * shared extents, tmpfs). On copy-on-write or compressing filesystems (btrfs, ZFS, a reflinked
 * file) or thin-provisioned storage, an overwrite can itself need space, and a store can still
 * fault. So can any store or load after another process truncates a mapped file: do not.
 *
 * <h2>Rolling without stalls</h2>
 * After each {@code createSegment(path, capacity)}, a daemon thread owned by this directory
 * prepares one spare file of the same capacity in the same folder (allocated, zero-filled, synced,
 * mapped and, by default, pre-touched), named {@code .mmap-prepared-<pid>-<n>-<seq>.tmp}, which is
 * never a segment name. The next {@code createSegment} with that folder and capacity renames the
 * spare into place and hands out its existing mapping: a roll is a {@code rename(2)} and a pointer
 * swap. If the spare is still being prepared, the caller waits for it (a writer that fills segments
 * faster than the machine can prepare them is bounded by preparation: on the 2-core VM this was
 * measured on, about 130 ms per 64 MiB, mostly page faults); if its preparation failed, the caller
 * allocates synchronously and reports its own error (with the preparation failure attached as
 * suppressed). The creation of a renamed spare, like any new file, is durable only after
 * {@link #syncParentDir}. Spares cost one extra segment of disk per folder; they are hidden from
 * {@link #list}, deleted by {@link #close()}, and stale ones (left by a process that died) are deleted
 * from a folder when this directory first takes a lock or creates a segment there (only that
 * folder is looked at, so opening a directory to read it touches nothing): each live spare is held
 * with an OS lock, so a second process never removes the first one's spare. Turn this off with
 * {@link MmapOptions#withPrepareAhead(boolean)}.
 *
 * <p>Pre-touching ({@link MmapOptions#withPreTouch}) moves page faults from the appending thread to
 * the preparing one. The default, {@link PreTouch#AUTO}, reads every page of a spare on tmpfs, where
 * stores into the spare then never fault. On filesystems that track dirty pages of shared mappings
 * (ext4, XFS) it touches nothing: there the first store to each clean page takes a write fault
 * however the page was touched before (a read-touched page measured slower, 19 against 7 µs), and
 * only a store ({@link PreTouch#WRITE}) avoids it, at the price of a whole dirty segment that the
 * first barrier after the roll writes back. This directory chooses cheap barriers by default.
 *
 * <h2>Mapping lifetime</h2>
 * Every {@link SegmentFile} owns one mapping and one file descriptor until its {@code close()},
 * which unmaps (not at garbage collection) and closes the descriptor: rolled and deleted segments
 * leak neither. A read-only segment ({@code openSegment(path, false)}, what readers open) does both
 * on the thread calling its {@code close()}, before that returns, whatever the preparing thread is
 * doing: readers beside a rolling writer hold at most the segments they have open. With
 * prepare-ahead on, a closed writable segment (a rolled one, typically) instead has its
 * {@code munmap} and descriptor close run on the preparing thread, after the work queued before
 * them, so a roll does not pay for them on the appending thread (they measured 0.3 to 8 ms); at
 * most 8 closed segments wait there, and a {@code close()} beyond that releases on its own thread.
 * {@link #close()} finishes the waiting ones before it returns.
 * After {@code close()} the buffer must not be used: {@link SegmentFile#buffer()} is re-pointed at an empty array so a stray access on the closing thread throws, but another
 * thread still reading, or a view of {@link SegmentFile#byteBuffer()} kept from before, would touch
 * unmapped memory and can crash the JVM. A read-only segment ({@code openSegment(path, false)}) is a
 * read-only mapping: a store through it crashes the JVM. {@link #close()} on the directory does
 * not close open segments.
 *
 * <h2>Paths and locks</h2>
 * Every path goes through {@link RelativePath#validate}; in addition, the nearest existing file or
 * folder on the path is resolved with {@link Path#toRealPath} and must lie inside the root, so a
 * symbolic link out of the root (or one that does not resolve) is refused with
 * {@link Kind#INVALID_CONFIG}. The check is made at each call; it does not defend against another
 * process swapping folders for links concurrently. {@link #obtainLock} holds an OS lock on the lock
 * file ({@code fcntl} on Linux: released by the OS when the process dies, so a crashed writer's
 * successor takes over at once) plus a JVM-wide set of held lock files for threads and other
 * directory instances of this process. The holder's pid is written into the lock file for the
 * error message of the next one who tries.
 *
 * <h2>Layers</h2>
 * As Lucene's {@code MMapDirectory} sits on {@code FSDirectory}, this class is a thin front over
 * two package-private layers. The file system: {@code ConfinedPaths} (paths and their
 * confinement), {@code Folders} (folders created and made durable), {@code FsFiles} (byte files and
 * streams, renames, atomic writes, barriers) and {@code MmapLock} (lock files). The mappings:
 * {@code MmapSegments} (segment files created, opened and mapped, with their spares, warming and
 * release).
 *
 * <p>Thread-safe. After {@link #close()} the directory still serves calls, but prepares no spares.
 */
public final class MmapDirectory implements Directory
{
    private final ConfinedPaths paths;
    private final Folders folders;
    private final FsFiles fs;
    private final MmapSegments segments;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MmapDirectory(final Path root, final MmapOptions options, final boolean createdRoot)
    {
        this.paths = new ConfinedPaths(root);
        this.folders = new Folders(paths, createdRoot);
        this.fs = new FsFiles(paths, folders, SpareFiles::isSpareName);
        this.segments = new MmapSegments(options);
    }

    /**
     * Open a directory on folder {@code root} with {@link MmapOptions#defaults()}, creating the folder
     * if it is missing.
     *
     * @throws DurabilityException INVALID_CONFIG (the JVM lacks {@link AgronaAccess#REQUIRED_FLAG},
     *                             or {@code root} is not a folder), IO.
     */
    public static MmapDirectory open(final Path root)
    {
        return open(root, MmapOptions.defaults());
    }

    /**
     * Open a directory on folder {@code root}, creating the folder if it is missing, and delete
     * stale spare files under it (see the class documentation).
     *
     * @throws DurabilityException INVALID_CONFIG (the JVM lacks {@link AgronaAccess#REQUIRED_FLAG},
     *                             or {@code root} is not a folder), IO.
     */
    public static MmapDirectory open(final Path root, final MmapOptions options)
    {
        AgronaAccess.ensure();
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(options, "options");
        final boolean existed = Files.exists(root);
        if (existed && !Files.isDirectory(root))
        {
            throw DurabilityException.invalidConfig("directory root is not a folder: " + root, "a folder", "a file");
        }
        final Path real;
        try
        {
            Files.createDirectories(root);
            real = root.toRealPath();
        }
        catch (final IOException ex)
        {
            throw new DurabilityException(
                Kind.IO, "cannot open directory root " + root + ": " + ex, null, -1, "a folder", null, ex);
        }
        return new MmapDirectory(real, options, !existed);
    }

    /** @return the real path of the root folder. */
    public Path root()
    {
        return paths.root();
    }

    // ---------------------------------------------------------------------------------- byte files

    @Override
    public OutputStream createFile(final String path)
    {
        return fs.createFile(path);
    }

    @Override
    public InputStream openFile(final String path)
    {
        return fs.openFile(path);
    }

    @Override
    public byte[] readFile(final String path, final int maxLength)
    {
        return fs.readFile(path, maxLength);
    }

    @Override
    public boolean exists(final String path)
    {
        return fs.exists(path);
    }

    @Override
    public long fileLength(final String path)
    {
        return fs.fileLength(path);
    }

    @Override
    public void delete(final String path)
    {
        fs.delete(path);
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        fs.atomicRename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        fs.atomicWrite(path, data);
    }

    @Override
    public void createDirectories(final String path)
    {
        fs.createDirectories(path);
    }

    @Override
    public List<String> list(final String dir)
    {
        return fs.list(dir);
    }

    /** @return the real path of {@code path} (under {@link #root()}). */
    @Override
    public Optional<Path> filePath(final String path)
    {
        return Optional.of(paths.resolve(path));
    }

    // ------------------------------------------------------------------------------- segment files

    /**
     * {@inheritDoc}
     *
     * <p>Served by the spare prepared for this folder and capacity when there is one (a rename), or
     * allocated on the calling thread; then the next spare is prepared in the background. Either way
     * the returned file's blocks and zeros are already on stable storage; only its directory entry
     * waits for {@link #syncParentDir}. Its {@code close()} may unmap and close the descriptor on the
     * preparing thread, at most 8 segments at a time (see the class documentation, "Mapping
     * lifetime").
     *
     * <p>The path is confined as every other one is, at this call; what that check saw (whether the
     * file exists, whether its folder is a folder, the folder's real path) is not asked of the file
     * system again within the call, nor by the preparation of the next spare.
     */
    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        final ConfinedPaths.Target target = paths.resolveTarget(path);
        SegmentFiles.checkCapacity(path, capacity);
        folders.create(target);
        if (target.existing() != null)
        {
            if (target.existing().isDirectory())
            {
                throw DurabilityException.io("a folder exists at this path", path, null);
            }
            throw DurabilityException.invalidState("segment file already exists", path);
        }
        return segments.create(target, path, capacity);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Maps {@code [0, capacity)} of the file, read-write or read-only. The segment's
     * {@code close()} releases a read-only mapping and its descriptor on the closing thread before
     * it returns (never behind spare preparation); a writable one is released like a created
     * segment (see the class documentation, "Mapping lifetime").
     */
    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        final Path file = paths.resolve(path);
        FsFiles.requireFile(file, path);
        return segments.open(file, path, writable);
    }

    // ------------------------------------------------------------------------- durability barriers

    @Override
    public boolean supportsDurability()
    {
        return true;
    }

    /** {@inheritDoc} It is {@code fsync(2)}: content and metadata. */
    @Override
    public void syncFile(final String path)
    {
        fs.syncFile(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        fs.syncParentDir(path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        fs.atomicWriteDurable(path, data, data.length);
    }

    /** {@inheritDoc} Written from {@code data} as it is, without a copy. */
    @Override
    public void atomicWriteDurable(final String path, final byte[] data, final int length)
    {
        if (length < 0 || length > data.length)
        {
            throw DurabilityException.invalidConfig("length of the bytes to write", "0.." + data.length, length);
        }
        fs.atomicWriteDurable(path, data, length);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        fs.atomicRenameDurable(from, to);
    }

    // ------------------------------------------------------------------------------------- locking

    /**
     * {@inheritDoc}
     *
     * <p>Refused first by the JVM-wide set of held lock files (without opening the file: closing any
     * descriptor of a file drops this process's POSIX lock on it), then by
     * {@link java.nio.channels.FileChannel#tryLock()}.
     */
    @Override
    public DirectoryLock obtainLock(final String path)
    {
        final Path file = paths.resolve(path);
        folders.create(file.getParent());
        final MmapLock lock = MmapLock.obtain(file, path);
        // Whoever holds a folder's lock owns it: spares a dead writer left there are now stale.
        segments.cleanStaleSparesOnce(file.getParent());
        return lock;
    }

    /**
     * Stop the preparing thread, delete this directory's spares and any stale ones under the root.
     * Open segments and locks stay valid and the caller's to close. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            segments.close();
        }
    }

    /** Test aid: wait until spares queued for preparation so far are ready (or failed). */
    void awaitPreparation()
    {
        final SegmentPreparer preparer = segments.preparer();
        if (preparer != null)
        {
            preparer.awaitIdle();
        }
    }

    /** Test aid: the preparer, or {@code null} when preparing ahead is off. */
    SegmentPreparer preparer()
    {
        return segments.preparer();
    }

    /**
     * @return how segments were created so far: from prepared spares, allocated on the calling thread,
     * waits for a spare and their time. Cheap; safe from any thread.
     */
    public MmapMetrics metrics()
    {
        return segments.metrics();
    }

    @Override
    public String toString()
    {
        return "MmapDirectory{" + paths.root() + '}';
    }
}
