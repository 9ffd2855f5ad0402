package io.durability.storage.mmap;

import io.durability.internal.CrashPoints;
import io.durability.storage.AgronaAccess;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFile;
import io.durability.storage.SegmentFiles;
import org.agrona.IoUtil;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>Thread-safe. After {@link #close()} the directory still serves calls, but prepares no spares.
 */
public final class MmapDirectory implements Directory
{
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final Path root;
    private final SegmentAllocator allocator;
    private final SegmentPreparer preparer;
    /** Warms the pages ahead of writers; {@code null} when {@link MmapOptions#pageWarmerWindow()} is 0. */
    private final PageWarmer warmer;
    private final boolean rangedBarriers;
    private final Set<Path> unsyncedFolders = ConcurrentHashMap.newKeySet();
    private final String tempToken = ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
    private final AtomicLong tempSequence = new AtomicLong();
    /** Folders this directory has used for segments or locks (cleaned of stale spares once, and at close). */
    private final Set<Path> segmentFolders = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private MmapDirectory(final Path root, final MmapOptions options, final boolean createdRoot)
    {
        this.root = root;
        this.allocator = options.allocator();
        this.preparer = options.prepareAhead() ? new SegmentPreparer(options.allocator(), options.preTouch()) : null;
        this.warmer = options.pageWarmerWindow() > 0 ?
            new PageWarmer(options.pageWarmerWindow(), "durability-mmap-warmer") : null;
        this.rangedBarriers = options.rangedBarriers();
        if (createdRoot)
        {
            unsyncedFolders.add(root);
        }
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
            throw new DurabilityException(
                Kind.INVALID_CONFIG, "directory root is not a folder: " + root, null, -1, "a folder", "a file", null);
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
        return root;
    }

    // ---------------------------------------------------------------------------------- byte files

    @Override
    public OutputStream createFile(final String path)
    {
        final Path file = resolve(path);
        createFolders(file.getParent());
        try
        {
            return new Output(new BufferedOutputStream(Files.newOutputStream(file), 8192), path);
        }
        catch (final IOException ex)
        {
            throw failure("create file", path, ex);
        }
    }

    @Override
    public InputStream openFile(final String path)
    {
        final Path file = resolve(path);
        requireFile(file, path);
        try
        {
            return new Input(Files.newInputStream(file), path);
        }
        catch (final IOException ex)
        {
            throw failure("open file", path, ex);
        }
    }

    @Override
    public byte[] readFile(final String path, final int maxLength)
    {
        final Path file = resolve(path);
        requireFile(file, path);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long length = channel.size();
            if (length > maxLength)
            {
                throw DurabilityException.format(
                    "file is longer than allowed", path, 0, "at most " + maxLength + " bytes", length + " bytes");
            }
            final byte[] bytes = new byte[(int)length];
            final ByteBuffer target = ByteBuffer.wrap(bytes);
            while (target.hasRemaining() && channel.read(target) >= 0)
            {
                // read until full or end of file (the file may shrink meanwhile)
            }
            return target.hasRemaining() ? Arrays.copyOf(bytes, target.position()) : bytes;
        }
        catch (final IOException ex)
        {
            throw failure("read file", path, ex);
        }
    }

    @Override
    public boolean exists(final String path)
    {
        return Files.exists(resolve(path));
    }

    @Override
    public long fileLength(final String path)
    {
        final Path file = resolve(path);
        return requireFile(file, path).size();
    }

    @Override
    public void delete(final String path)
    {
        final Path file = resolve(path);
        try
        {
            if (Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory())
            {
                throw notAFile(path);
            }
            Files.delete(file);
        }
        catch (final IOException ex)
        {
            throw Files.exists(file, LinkOption.NOFOLLOW_LINKS) ?
                failure("delete", path, ex) : failure("", path, new NoSuchFileException(path));
        }
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        rename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        final Path file = resolve(path);
        createFolders(file.getParent());
        replace(file, path, writeTemp(file, path, data, false));
    }

    @Override
    public void createDirectories(final String path)
    {
        createFolders(resolve(path));
    }

    @Override
    public List<String> list(final String dir)
    {
        RelativePath.validateDir(dir);
        final Path folder = dir.isEmpty() ? root : resolve(dir);
        final List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                if (!SegmentPreparer.isSpareName(name))
                {
                    names.add(name);
                }
            }
        }
        catch (final NoSuchFileException | NotDirectoryException ex)
        {
            return names;
        }
        catch (final IOException ex)
        {
            throw failure("list", dir, ex);
        }
        Collections.sort(names);
        return names;
    }

    /** @return the real path of {@code path} (under {@link #root()}). */
    @Override
    public Optional<Path> filePath(final String path)
    {
        return Optional.of(resolve(path));
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
     */
    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        final Path file = resolve(path);
        SegmentFiles.checkCapacity(path, capacity);
        final Path dir = file.getParent();
        createFolders(dir);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS))
        {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS))
            {
                throw DurabilityException.io("a folder exists at this path", path, null);
            }
            throw DurabilityException.invalidState("segment file already exists", path);
        }
        cleanStaleSparesOnce(dir);
        final String folder = RelativePath.parent(path);
        MmapSegment segment = preparer == null ? null : preparer.take(folder, capacity, file, path);
        if (segment == null)
        {
            segment = allocate(file, path, capacity);
            allocatedInline.incrementAndGet();
        }
        segmentsCreated.incrementAndGet();
        if (preparer != null)
        {
            preparer.prepare(folder, dir, capacity);
        }
        return segment.configure(warmer, rangedBarriers);
    }

    /**
     * Create a segment on the calling thread (no spare was ready): allocated, zero-filled and synced
     * under a spare's name (locked, so no other process cleans it as stale), then renamed, so the
     * segment's name never points at a file shorter than its capacity, whatever kills the process.
     */
    private MmapSegment allocate(final Path file, final String path, final int capacity)
    {
        final Path temp = file.resolveSibling(SegmentPreparer.SPARE_PREFIX + "direct-" + ProcessHandle.current().pid() +
            "-" + DIRECT_SEQUENCE.incrementAndGet() + SegmentPreparer.SPARE_SUFFIX);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(
                temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw failure("create segment", path, ex);
        }
        boolean allocated = false;
        boolean renamed = false;
        MappedByteBuffer map = null;
        try
        {
            final FileLock held = channel.tryLock();
            allocator.allocate(temp, channel, capacity);
            channel.force(false);
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            {
                throw DurabilityException.invalidState("segment file already exists", path);
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
            if (held != null)
            {
                held.release();
            }
            allocated = true;
            return new MmapSegment(path, channel, map, preparer);
        }
        catch (final IOException ex)
        {
            final DurabilityException failure = new DurabilityException(
                Kind.IO, "cannot allocate the segment file (is the disk full?); nothing was written to it: " + ex,
                path, -1, capacity + " bytes of allocated storage", null, ex);
            final Throwable preparation = preparer == null ? null : preparer.lastFailure();
            if (preparation != null)
            {
                failure.addSuppressed(preparation);
            }
            throw failure;
        }
        finally
        {
            if (!allocated)
            {
                if (map != null)
                {
                    // Never left for the garbage collector: a mapping holds its file (and filesystem).
                    IoUtil.unmap(map);
                }
                MmapSegment.closeQuietly(channel);
                deleteQuietly(renamed ? file : temp);
            }
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong DIRECT_SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

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
        final Path file = resolve(path);
        requireFile(file, path);
        final FileChannel channel;
        try
        {
            channel = writable ?
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE) :
                FileChannel.open(file, StandardOpenOption.READ);
        }
        catch (final IOException ex)
        {
            throw failure("open segment", path, ex);
        }
        boolean mapped = false;
        try
        {
            final int capacity = SegmentFiles.usableCapacity(channel.size());
            final MappedByteBuffer map = channel.map(
                writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, capacity);
            mapped = true;
            // Only writable segments (the writer's) may release in the background: a reader's are
            // released by its own close(), not queued behind spare preparation (issue 11, case 6).
            final MmapSegment segment = new MmapSegment(path, channel, map, writable ? preparer : null);
            return writable ? segment.configure(warmer, rangedBarriers) : segment;
        }
        catch (final IOException ex)
        {
            throw failure("map segment", path, ex);
        }
        finally
        {
            if (!mapped)
            {
                MmapSegment.closeQuietly(channel);
            }
        }
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
        final Path file = resolve(path);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw failure("sync file", path, ex);
        }
    }

    @Override
    public void syncParentDir(final String path)
    {
        final Path dir = resolve(path).getParent();
        syncFolder(dir, path);
        syncCreatedFolders(dir, path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        final Path file = resolve(path);
        createFolders(file.getParent());
        final Path temp = writeTemp(file, path, data, true);
        CrashPoints.hit(CrashPoints.ATOMIC_WRITE_BEFORE_RENAME);
        replace(file, path, temp);
        syncFolder(file.getParent(), path);
        syncCreatedFolders(file.getParent(), path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        final Path[] paths = rename(from, to);
        final Path fromDir = paths[0].getParent();
        final Path toDir = paths[1].getParent();
        syncFolder(toDir, to);
        if (!fromDir.equals(toDir))
        {
            syncFolder(fromDir, from);
        }
        syncCreatedFolders(toDir, to);
    }

    // ------------------------------------------------------------------------------------- locking

    /**
     * {@inheritDoc}
     *
     * <p>Refused first by the JVM-wide set of held lock files (without opening the file: closing any
     * descriptor of a file drops this process's POSIX lock on it), then by {@link FileChannel#tryLock()}.
     */
    @Override
    public DirectoryLock obtainLock(final String path)
    {
        final Path file = resolve(path);
        createFolders(file.getParent());
        final Path key = lockKey(file, path);
        if (!MmapLock.HELD.add(key))
        {
            throw DurabilityException.lockFailed(
                "lock is held by another writer in this process (a thread or another directory on the same " +
                "folder); close it first", path, null);
        }
        FileChannel channel = null;
        boolean held = false;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                throw DurabilityException.lockFailed("lock is held elsewhere in this process; close it first", path, ex);
            }
            if (lock == null)
            {
                throw DurabilityException.lockFailed(
                    "lock is held by another process" + holder(channel) +
                    "; stop it, or wait for it to exit (the OS releases the lock when the process dies)", path, null);
            }
            writeHolder(channel);
            held = true;
            // Whoever holds a folder's lock owns it: spares a dead writer left there are now stale.
            cleanStaleSparesOnce(file.getParent());
            return new MmapLock(path, key, channel, lock);
        }
        catch (final IOException ex)
        {
            throw failure("lock", path, ex);
        }
        finally
        {
            if (!held)
            {
                if (channel != null)
                {
                    MmapSegment.closeQuietly(channel);
                }
                MmapLock.HELD.remove(key);
            }
        }
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
            if (preparer != null)
            {
                preparer.close();
            }
            if (warmer != null)
            {
                warmer.close();
            }
            for (final Path folder : segmentFolders)
            {
                SegmentPreparer.removeStale(folder);
            }
        }
    }

    /**
     * Delete stale spares (left by a process that died) in a folder this directory starts using for
     * segments or locks, once. Only that folder is looked at: opening a directory, or reading one
     * with a tool, never walks or touches anything else.
     */
    private void cleanStaleSparesOnce(final Path folder)
    {
        if (segmentFolders.add(folder))
        {
            SegmentPreparer.removeStale(folder);
        }
    }

    /** Test aid: wait until spares queued for preparation so far are ready (or failed). */
    void awaitPreparation()
    {
        if (preparer != null)
        {
            preparer.awaitIdle();
        }
    }

    /** Test aid: the preparer, or {@code null} when preparing ahead is off. */
    SegmentPreparer preparer()
    {
        return preparer;
    }

    /**
     * @return how segments were created so far: from prepared spares, allocated on the calling thread,
     * waits for a spare and their time. Cheap; safe from any thread.
     */
    public MmapMetrics metrics()
    {
        return new MmapMetrics(segmentsCreated.get(), preparer == null ? 0 : preparer.spareHits(), allocatedInline.get(),
            preparer == null ? 0 : preparer.spareWaits(), preparer == null ? 0 : preparer.spareWaitNanos(),
            preparer == null ? 0 : preparer.spareFailures(), preparer == null ? 0 : preparer.pendingReleases());
    }

    private final java.util.concurrent.atomic.AtomicLong segmentsCreated = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong allocatedInline = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public String toString()
    {
        return "MmapDirectory{" + root + '}';
    }

    // ------------------------------------------------------------------------------------- helpers

    /**
     * @return the path of {@code path} under the root, after checking it lexically and checking that
     * its nearest existing part resolves inside the root.
     */
    private Path resolve(final String path)
    {
        RelativePath.validate(path);
        final Path file = root.resolve(path);
        for (Path p = file; p != null && !p.equals(root); p = p.getParent())
        {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS))
            {
                final Path real;
                try
                {
                    real = p.toRealPath();
                }
                catch (final IOException ex)
                {
                    throw refused(path, "it goes through a symbolic link that does not resolve", ex);
                }
                if (!real.startsWith(root))
                {
                    throw refused(path, "it resolves through a symbolic link to " + real + ", outside the root " + root, null);
                }
                break;
            }
        }
        return file;
    }

    private static DurabilityException refused(final String path, final String why, final Throwable cause)
    {
        return new DurabilityException(
            Kind.INVALID_CONFIG, "path refused: " + why, path, -1, "a path confined to the directory root", path, cause);
    }

    private String relative(final Path p)
    {
        return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    /** Create {@code dir} and its missing parents, remembering which ones this directory created. */
    private void createFolders(final Path dir)
    {
        if (Files.isDirectory(dir))
        {
            return;
        }
        final Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent())
        {
            missing.push(p);
        }
        for (final Path p : missing)
        {
            try
            {
                Files.createDirectory(p);
                unsyncedFolders.add(p);
            }
            catch (final FileAlreadyExistsException ex)
            {
                if (!Files.isDirectory(p))
                {
                    throw new DurabilityException(
                        Kind.IO, "a file exists where a folder is needed", relative(p), -1, "a folder", "a file", ex);
                }
            }
            catch (final IOException ex)
            {
                throw failure("create folder", relative(p), ex);
            }
        }
    }

    private static void syncFolder(final Path dir, final String forPath)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw failure("sync folder of", forPath, ex);
        }
    }

    /** Sync the parent of each folder from {@code dir} up to the root that this directory created. */
    private void syncCreatedFolders(final Path dir, final String forPath)
    {
        for (Path p = dir; p != null; p = p.equals(root) ? null : p.getParent())
        {
            if (unsyncedFolders.remove(p))
            {
                try
                {
                    syncFolder(p.getParent(), forPath);
                }
                catch (final RuntimeException ex)
                {
                    unsyncedFolders.add(p);
                    throw ex;
                }
            }
        }
    }

    private static BasicFileAttributes requireFile(final Path file, final String path)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final IOException ex)
        {
            // "Not a directory" (a file where a folder is expected) also means there is no such file.
            throw Files.exists(file) ? failure("read attributes of", path, ex) : failure("", path, new NoSuchFileException(path));
        }
        if (attributes.isDirectory())
        {
            throw notAFile(path);
        }
        return attributes;
    }

    private static DurabilityException notAFile(final String path)
    {
        return new DurabilityException(Kind.NOT_FOUND, "no file here: it is a folder", path, -1, "a file", "a folder", null);
    }

    private Path[] rename(final String from, final String to)
    {
        final Path source = resolve(from);
        final Path target = resolve(to);
        requireFile(source, from);
        createFolders(target.getParent());
        try
        {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final NoSuchFileException ex)
        {
            throw failure("rename", from, ex);
        }
        catch (final IOException ex)
        {
            throw failure("rename " + from + " to", to, ex);
        }
        return new Path[] {source, target};
    }

    private Path writeTemp(final Path file, final String path, final byte[] data, final boolean sync)
    {
        final String name = file.getFileName().toString();
        final Path temp = file.resolveSibling(
            "." + name.substring(0, Math.min(name.length(), 128)) + ".tmp-" + tempToken + "-" +
            tempSequence.incrementAndGet());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final ByteBuffer source = ByteBuffer.wrap(data);
            while (source.hasRemaining())
            {
                channel.write(source);
            }
            if (sync)
            {
                channel.force(true);
            }
        }
        catch (final IOException ex)
        {
            deleteQuietly(temp);
            throw failure("write", path, ex);
        }
        return temp;
    }

    private static void replace(final Path file, final String path, final Path temp)
    {
        try
        {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            deleteQuietly(temp);
            throw failure("replace", path, ex);
        }
    }

    private Path lockKey(final Path file, final String path)
    {
        try
        {
            return Files.exists(file) ? file.toRealPath() : file.getParent().toRealPath().resolve(file.getFileName());
        }
        catch (final IOException ex)
        {
            throw failure("lock", path, ex);
        }
    }

    private static String holder(final FileChannel channel)
    {
        try
        {
            final ByteBuffer bytes = ByteBuffer.allocate(64);
            channel.read(bytes, 0);
            final String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "" : " (" + text + ")";
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static void writeHolder(final FileChannel channel)
    {
        try
        {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(
                ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        }
        catch (final IOException ignored)
        {
            // Diagnostics only: the lock is held either way.
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignored)
        {
            // Only ever called on a failure path, which reports the original error.
        }
    }

    private static DurabilityException failure(final String what, final String path, final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return new DurabilityException(Kind.NOT_FOUND, "file does not exist", path, -1, null, null, ex);
        }
        return new DurabilityException(Kind.IO, what + " failed: " + ex, path, -1, null, null, ex);
    }

    /** A byte file's output: IO failures become {@link DurabilityException}s naming the file. */
    private static final class Output extends OutputStream
    {
        private final OutputStream out;
        private final String path;

        Output(final OutputStream out, final String path)
        {
            this.out = out;
            this.path = path;
        }

        @Override
        public void write(final int b)
        {
            try
            {
                out.write(b);
            }
            catch (final IOException ex)
            {
                throw failure("write", path, ex);
            }
        }

        @Override
        public void write(final byte[] b, final int off, final int len)
        {
            try
            {
                out.write(b, off, len);
            }
            catch (final IOException ex)
            {
                throw failure("write", path, ex);
            }
        }

        @Override
        public void flush()
        {
            try
            {
                out.flush();
            }
            catch (final IOException ex)
            {
                throw failure("write", path, ex);
            }
        }

        @Override
        public void close()
        {
            try
            {
                out.close();
            }
            catch (final IOException ex)
            {
                throw failure("write", path, ex);
            }
        }
    }

    /** A byte file's input: IO failures become {@link DurabilityException}s naming the file. */
    private static final class Input extends InputStream
    {
        private final InputStream in;
        private final String path;

        Input(final InputStream in, final String path)
        {
            this.in = in;
            this.path = path;
        }

        @Override
        public int read()
        {
            try
            {
                return in.read();
            }
            catch (final IOException ex)
            {
                throw failure("read", path, ex);
            }
        }

        @Override
        public int read(final byte[] b, final int off, final int len)
        {
            try
            {
                return in.read(b, off, len);
            }
            catch (final IOException ex)
            {
                throw failure("read", path, ex);
            }
        }

        @Override
        public long skip(final long n)
        {
            try
            {
                return in.skip(n);
            }
            catch (final IOException ex)
            {
                throw failure("read", path, ex);
            }
        }

        @Override
        public int available()
        {
            try
            {
                return in.available();
            }
            catch (final IOException ex)
            {
                throw failure("read", path, ex);
            }
        }

        @Override
        public void close()
        {
            try
            {
                in.close();
            }
            catch (final IOException ex)
            {
                throw failure("read", path, ex);
            }
        }
    }
}
