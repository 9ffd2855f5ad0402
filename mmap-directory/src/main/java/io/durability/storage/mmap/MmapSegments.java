package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFiles;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mapped-segment layer of an {@link MmapDirectory}, in the role Lucene's {@code MMapDirectory}
 * plays over {@code FSDirectory}. Its one job: segment files as mappings. It creates them (from a
 * prepared spare, or allocated on the calling thread), opens and maps existing ones, hooks writable
 * ones to the {@link PageWarmer} and to their barrier mode, hands their release to the
 * {@link MappingReleaser}, and counts it all ({@link MmapMetrics}). Paths come to it already
 * confined by {@link ConfinedPaths}; it never resolves one itself.
 *
 * <p>Thread-safe.
 */
final class MmapSegments
{
    private static final AtomicLong DIRECT_SEQUENCE = new AtomicLong();

    private final SegmentAllocator allocator;
    /** {@code null} when preparing ahead is off. */
    private final SegmentPreparer preparer;
    /** {@link MmapOptions#pageWarmerWindow()}: 0, no warmer. */
    private final int warmerWindow;
    /** Warms the pages ahead of writers on disk filesystems; started with the first segment that needs it. */
    private PageWarmer warmer;
    private boolean closed;
    private final boolean rangedBarriers;
    /** Folders this directory has used for segments or locks (cleaned of stale spares once, and at close). */
    private final Set<Path> segmentFolders = ConcurrentHashMap.newKeySet();
    private final AtomicLong segmentsCreated = new AtomicLong();
    private final AtomicLong allocatedInline = new AtomicLong();

    MmapSegments(final MmapOptions options)
    {
        this.allocator = options.allocator();
        this.preparer = options.prepareAhead() ? new SegmentPreparer(options.allocator(), options.preTouch()) : null;
        this.warmerWindow = options.pageWarmerWindow();
        this.rangedBarriers = options.rangedBarriers();
    }

    /**
     * Create the segment {@code path} at {@code target}, which the caller has confined, whose folder
     * exists and where nothing exists: from the spare prepared for its folder and capacity when there
     * is one, else allocated here; then queue the next spare, in the folder {@code target} already
     * resolved when it knows it.
     */
    MmapSegment create(final ConfinedPaths.Target target, final String path, final int capacity)
    {
        final Path file = target.file();
        final Path dir = file.getParent();
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
            preparer.prepare(folder, dir, target.realFolder(), capacity);
        }
        return segment.configure(warmerFor(dir), rangedBarriers);
    }

    /**
     * The warmer for a writable segment in {@code folder}: none when the window is 0 or the folder is on a
     * memory filesystem (where the pre-touch already left every page writable and no writeback cleans
     * them); else the directory's one warmer thread, started now if it is the first.
     */
    private PageWarmer warmerFor(final Path folder)
    {
        if (warmerWindow == 0 || folder == null ||
            MemoryFilesystems.contains(folder))
        {
            return null;
        }
        synchronized (this)
        {
            if (warmer == null && !closed)
            {
                warmer = new PageWarmer(warmerWindow, "durability-mmap-warmer");
            }
            return warmer;
        }
    }

    /**
     * Create a segment on the calling thread (no spare was ready): allocated, zero-filled and synced
     * under a spare's name (locked, so no other process cleans it as stale), then renamed, so the
     * segment's name never points at a file shorter than its capacity, whatever kills the process.
     */
    private MmapSegment allocate(final Path file, final String path, final int capacity)
    {
        final Path temp = file.resolveSibling(SpareFiles.SPARE_PREFIX + "direct-" + ProcessHandle.current().pid() +
            "-" + DIRECT_SEQUENCE.incrementAndGet() + SpareFiles.SPARE_SUFFIX);
        final FileChannel channel;
        try
        {
            channel = FileChannel.open(
                temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("create segment", path, ex);
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
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            renamed = true;
            if (held != null)
            {
                held.release();
            }
            allocated = true;
            return new MmapSegment(path, channel, map, releaser());
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
                FsFiles.deleteQuietly(renamed ? file : temp);
            }
        }
    }

    /**
     * Map {@code [0, capacity)} of the existing file {@code file} (confined by the caller),
     * read-write or read-only.
     */
    MmapSegment open(final Path file, final String path, final boolean writable)
    {
        final FileChannel channel;
        try
        {
            channel = writable ?
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE) :
                FileChannel.open(file, StandardOpenOption.READ);
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("open segment", path, ex);
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
            final MmapSegment segment = new MmapSegment(path, channel, map, writable ? releaser() : null);
            return writable ? segment.configure(warmerFor(file.getParent()), rangedBarriers) : segment;
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("map segment", path, ex);
        }
        finally
        {
            if (!mapped)
            {
                MmapSegment.closeQuietly(channel);
            }
        }
    }

    private MappingReleaser releaser()
    {
        return preparer == null ? null : preparer.releaser();
    }

    /**
     * Delete stale spares (left by a process that died) in a folder this directory starts using for
     * segments or locks, once. Only that folder is looked at: opening a directory, or reading one
     * with a tool, never walks or touches anything else.
     */
    void cleanStaleSparesOnce(final Path folder)
    {
        if (segmentFolders.add(folder))
        {
            SpareFiles.removeStale(folder);
        }
    }

    /** Stop preparing and warming; delete this directory's spares and stale ones in the folders it used. */
    void close()
    {
        if (preparer != null)
        {
            preparer.close();
        }
        final PageWarmer started;
        synchronized (this)
        {
            closed = true;
            started = warmer;
        }
        if (started != null)
        {
            started.close();
        }
        for (final Path folder : segmentFolders)
        {
            SpareFiles.removeStale(folder);
        }
    }

    /** @return the preparer, or {@code null} when preparing ahead is off. */
    SegmentPreparer preparer()
    {
        return preparer;
    }

    MmapMetrics metrics()
    {
        return new MmapMetrics(segmentsCreated.get(), preparer == null ? 0 : preparer.spareHits(), allocatedInline.get(),
            preparer == null ? 0 : preparer.spareWaits(), preparer == null ? 0 : preparer.spareWaitNanos(),
            preparer == null ? 0 : preparer.spareFailures(), preparer == null ? 0 : preparer.pendingReleases());
    }
}
