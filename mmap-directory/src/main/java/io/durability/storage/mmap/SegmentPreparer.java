package io.durability.storage.mmap;

import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prepares spare segment files ahead of need on one daemon thread, so that creating the next
 * segment of a log is a rename and a pointer swap instead of an allocation on the appending thread.
 *
 * <p>A spare is a file named {@value #SPARE_PREFIX}{@code <pid>-<instance>-<n>}{@value #SPARE_SUFFIX}
 * (never a WAL segment name) in the folder of the segment that triggered it: created, zero-filled
 * through the {@link SegmentAllocator}, made durable with {@code fdatasync} (so the first barrier
 * after the roll writes only what the log wrote), mapped read-write and optionally pre-touched. At
 * most one spare per folder, at most {@value #MAX_SPARES} folders.
 *
 * <p>While it is a spare, its owner holds an OS lock on it; {@link #removeStale(Path)} deletes only
 * spares nobody holds (left by a process that died), so a second process opening the same root
 * cannot pull a live spare from under its owner. A failure to prepare is kept in the spare's future
 * and answered by {@link #take} with {@code null}: the caller then allocates synchronously and
 * reports its own error.
 *
 * <p>The same thread also unmaps closed writable segments and closes their descriptors
 * ({@link #release}), at most {@value #MAX_PENDING_RELEASES} at a time.
 */
final class SegmentPreparer
{
    static final String SPARE_PREFIX = ".mmap-prepared-";
    static final String SPARE_SUFFIX = ".tmp";

    private static final int MAX_SPARES = 8;
    /**
     * At most this many closed segments wait for the preparing thread to unmap them and close their
     * descriptors; {@link #release} runs further ones on the calling thread.
     */
    static final int MAX_PENDING_RELEASES = 8;
    private static final int PAGE_SIZE = 4096;
    private static final AtomicLong INSTANCES = new AtomicLong();
    /** Spares owned by this JVM (real paths): never touched by {@link #removeStale}, whoever calls it. */
    private static final Set<Path> LIVE_SPARES = ConcurrentHashMap.newKeySet();

    private final SegmentAllocator allocator;
    private final PreTouch preTouch;
    private final String token = ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong spareWaits = new AtomicLong();
    private final AtomicLong spareWaitNanos = new AtomicLong();
    private final AtomicInteger pendingReleases = new AtomicInteger();
    private final Map<String, Job> slots = new LinkedHashMap<>(16, 0.75f, true); // by folder; guarded by this
    private final Set<Job> outstanding = new HashSet<>(); // prepared or queued, not yet taken or discarded
    private ThreadPoolExecutor executor; // guarded by this; created on first use
    private boolean closed; // guarded by this
    private volatile Throwable lastFailure;

    private static final System.Logger LOG = System.getLogger("io.durability.storage.mmap");

    SegmentPreparer(final SegmentAllocator allocator, final PreTouch preTouch)
    {
        this.allocator = allocator;
        this.preTouch = preTouch;
    }

    /** @return whether {@code name} is a spare's file name (hidden from listings). */
    static boolean isSpareName(final String name)
    {
        return name.startsWith(SPARE_PREFIX) && name.endsWith(SPARE_SUFFIX);
    }

    /**
     * Hand over the spare prepared for {@code folder}: wait for it if it is still being prepared,
     * then rename it to {@code target} and return its open channel and mapping as a segment.
     *
     * @return the segment, or {@code null} when there is no usable spare (none, another capacity, its
     * preparation failed, or the rename failed): the caller allocates synchronously.
     */
    MmapSegment take(final String folder, final int capacity, final Path target, final String relativePath)
    {
        final Job job;
        synchronized (this)
        {
            job = slots.remove(folder);
            if (job != null)
            {
                outstanding.remove(job);
            }
        }
        if (job == null)
        {
            return null;
        }
        final Spare spare;
        final boolean ready = job.result.isDone();
        final long waitStart = ready ? 0 : System.nanoTime();
        try
        {
            spare = job.result.join();
        }
        catch (final CompletionException | CancellationException ex)
        {
            lastFailure = ex.getCause() != null ? ex.getCause() : ex;
            missed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "durability: preparing a spare segment for " + relativePath +
                " failed; the roll allocates it on the appending thread instead: " + lastFailure, lastFailure);
            return null;
        }
        finally
        {
            if (!ready)
            {
                spareWaits.incrementAndGet();
                spareWaitNanos.addAndGet(System.nanoTime() - waitStart);
            }
        }
        if (spare.capacity != capacity)
        {
            spare.discard();
            return null;
        }
        try
        {
            Files.move(spare.file, target, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException | RuntimeException ex)
        {
            lastFailure = ex;
            missed.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "durability: renaming the spare " + spare.file + " to " + target +
                " failed; the roll allocates the segment on the appending thread instead: " + ex, ex);
            spare.discard();
            return null;
        }
        spare.handedOver();
        taken.incrementAndGet();
        return new MmapSegment(relativePath, spare.channel, spare.map, this);
    }

    /** Start preparing a spare of {@code capacity} bytes in {@code dir} (the folder {@code folder}). */
    void prepare(final String folder, final Path dir, final int capacity)
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            final Job job = new Job(dir, capacity);
            final Job replaced = slots.put(folder, job);
            outstanding.add(job);
            final ThreadPoolExecutor ex = executor();
            ex.execute(job);
            if (replaced != null)
            {
                ex.execute(() -> discardWhenDone(replaced));
            }
            if (slots.size() > MAX_SPARES)
            {
                final Map.Entry<String, Job> eldest = slots.entrySet().iterator().next();
                slots.remove(eldest.getKey());
                final Job victim = eldest.getValue();
                ex.execute(() -> discardWhenDone(victim));
            }
        }
    }

    private ThreadPoolExecutor executor()
    {
        if (executor == null)
        {
            final String name = "durability-mmap-prepare-" + token;
            executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r ->
            {
                final Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            executor.allowCoreThreadTimeOut(true);
        }
        return executor;
    }

    /** Runs on the preparing thread, after the job it discards (the queue is FIFO). */
    private void discardWhenDone(final Job job)
    {
        synchronized (this)
        {
            if (!outstanding.remove(job))
            {
                return;
            }
        }
        final Spare spare = job.result.getNow(null);
        if (spare != null)
        {
            spare.discard();
        }
    }

    /** Test aid: wait until every preparation queued so far has finished, successfully or not. */
    void awaitIdle()
    {
        final ThreadPoolExecutor ex;
        synchronized (this)
        {
            ex = executor;
        }
        if (ex == null || ex.isShutdown())
        {
            return;
        }
        try
        {
            ex.submit(() -> { }).get();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | java.util.concurrent.RejectedExecutionException ignored)
        {
            // closed meanwhile: nothing is pending any more
        }
    }

    /** @return how many segments were served by a prepared spare. */
    long spareHits()
    {
        return taken.get();
    }

    /** @return how many creations found a spare that could not be used (failed, or lost its file). */
    long spareFailures()
    {
        return missed.get();
    }

    /** @return how many takes waited for a spare still being prepared. */
    long spareWaits()
    {
        return spareWaits.get();
    }

    /** @return the time those takes waited, in nanoseconds. */
    long spareWaitNanos()
    {
        return spareWaitNanos.get();
    }

    /** @return the last preparation or hand-over failure, or {@code null}. */
    Throwable lastFailure()
    {
        return lastFailure;
    }

    /** Stop the thread (after the preparation in progress, if any) and delete every spare not handed out. */
    void close()
    {
        final ThreadPoolExecutor ex;
        final List<Job> left;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            ex = executor;
            left = new ArrayList<>(outstanding);
            outstanding.clear();
            slots.clear();
        }
        if (ex != null)
        {
            // The queued tasks are taken off and settled here; the one running is let finish, not
            // interrupted: an interrupt inside FileChannel.map can leave a mapping nobody holds (the
            // channel closes, the buffer is never returned), which then pins its file, and its
            // filesystem, until a garbage collection. Close waits for at most one preparation.
            final List<Runnable> neverRun = new ArrayList<>();
            ex.getQueue().drainTo(neverRun);
            ex.shutdown();
            for (final Runnable task : neverRun)
            {
                if (task instanceof Job)
                {
                    // A caller may be waiting in take() for it.
                    ((Job)task).result.completeExceptionally(new CancellationException("directory closed"));
                }
                else if (task instanceof Release)
                {
                    task.run(); // a closed segment's mapping: never leaked
                }
                else if (task instanceof java.util.concurrent.Future)
                {
                    ((java.util.concurrent.Future<?>)task).cancel(false);
                }
            }
            awaitTermination(ex);
        }
        for (final Job job : left)
        {
            final Spare spare = job.result.isDone() && !job.result.isCompletedExceptionally() ? job.result.join() : null;
            if (spare != null)
            {
                spare.discard();
            }
        }
    }

    private static void awaitTermination(final ThreadPoolExecutor ex)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                if (ex.awaitTermination(1, TimeUnit.MINUTES))
                {
                    break;
                }
            }
            catch (final InterruptedException e)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Delete spares directly in folder {@code root} (not below) that no process holds: those a
     * process left when it died.
     * Best effort: a spare that cannot be inspected is left alone (it is never read as data).
     */
    static void removeStale(final Path root)
    {
        try
        {
            Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), 1, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                {
                    if (attrs.isRegularFile() && isSpareName(file.getFileName().toString()))
                    {
                        deleteIfUnheld(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException exc)
                {
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ignored)
        {
            // The walk itself reports failures per file above; nothing else to clean.
        }
    }

    private static void deleteIfUnheld(final Path file)
    {
        if (LIVE_SPARES.contains(file))
        {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            final FileLock lock = channel.tryLock();
            if (lock != null)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException | OverlappingFileLockException ignored)
        {
            // Held by someone, or gone: not stale.
        }
    }

    private Spare prepareSpare(final Path dir, final int capacity) throws IOException
    {
        final Path file = dir.toRealPath().resolve(SPARE_PREFIX + token + "-" + sequence.incrementAndGet() + SPARE_SUFFIX);
        LIVE_SPARES.add(file);
        FileChannel channel = null;
        MappedByteBuffer map = null;
        boolean prepared = false;
        try
        {
            channel = FileChannel.open(
                file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock = channel.tryLock();
            allocator.allocate(file, channel, capacity);
            channel.force(false);
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            touch(map, capacity, preTouch == PreTouch.AUTO ? autoPreTouch(dir) : preTouch);
            prepared = true;
            return new Spare(file, capacity, channel, map, lock);
        }
        finally
        {
            if (!prepared)
            {
                if (map != null)
                {
                    org.agrona.IoUtil.unmap(map);
                }
                if (channel != null)
                {
                    MmapSegment.closeQuietly(channel);
                }
                deleteQuietly(file);
                LIVE_SPARES.remove(file);
            }
        }
    }

    private static void touch(final MappedByteBuffer map, final int capacity, final PreTouch how)
    {
        // The first page always takes a store: the writer's header goes there first, and the first
        // barrier after the roll forces that page anyway. It spares the roll one write fault on the
        // appending thread (about 0.1 ms measured on ext4).
        map.put(0, (byte)0);
        if (how == PreTouch.READ)
        {
            map.load();
        }
        else if (how == PreTouch.WRITE)
        {
            for (int i = 0; i < capacity; i += PAGE_SIZE)
            {
                map.put(i, (byte)0); // the spare is all zero: only the page's state changes
            }
        }
    }

    /** {@link PreTouch#AUTO}: read on memory filesystems (pages stay writable), nothing elsewhere. */
    static PreTouch autoPreTouch(final Path dir)
    {
        try
        {
            final String type = Files.getFileStore(dir).type();
            return "tmpfs".equals(type) || "ramfs".equals(type) ? PreTouch.READ : PreTouch.NONE;
        }
        catch (final IOException | RuntimeException ex)
        {
            return PreTouch.NONE;
        }
    }

    /**
     * Unmap {@code map} and close {@code channel} of a closed writable segment on the preparing
     * thread, after the jobs queued before (a spare's preparation can take 100 ms and more), so a
     * roll does not pay for {@code munmap} on the appending thread. Bounded: while
     * {@value #MAX_PENDING_RELEASES} releases already wait for that thread, or once this preparer is
     * closed, both happen on the calling thread before this method returns. So at most
     * {@value #MAX_PENDING_RELEASES} closed segments hold a mapping and a descriptor at any time,
     * however fast segments are closed and whatever the preparing thread is doing.
     *
     * <p>Read-only segments never come here: their readers release on their own thread (see
     * {@link MmapSegment#close()}).
     */
    void release(final MappedByteBuffer map, final FileChannel channel)
    {
        if (pendingReleases.incrementAndGet() <= MAX_PENDING_RELEASES)
        {
            final Release job = new Release(map, channel);
            synchronized (this)
            {
                if (!closed)
                {
                    executor().execute(job);
                    return;
                }
            }
            job.run();
            return;
        }
        pendingReleases.decrementAndGet();
        MmapSegment.release(map, channel);
    }

    /** @return how many closed segments wait for the preparing thread to release them (test aid). */
    int pendingReleases()
    {
        return pendingReleases.get();
    }

    /** Unmaps a closed segment's mapping and closes its channel; run exactly once. */
    private final class Release implements Runnable
    {
        private final MappedByteBuffer map;
        private final FileChannel channel;

        Release(final MappedByteBuffer map, final FileChannel channel)
        {
            this.map = map;
            this.channel = channel;
        }

        @Override
        public void run()
        {
            try
            {
                MmapSegment.release(map, channel);
            }
            catch (final RuntimeException ex)
            {
                // Background work fails loudly: a mapping that could not be released stays until the JVM exits.
                LOG.log(System.Logger.Level.WARNING,
                    "durability: releasing a rolled segment's mapping on the preparing thread failed: " + ex, ex);
            }
            finally
            {
                pendingReleases.decrementAndGet();
            }
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
            // A leftover spare is harmless: it is not a segment name, and the next open removes it.
        }
    }

    /** One preparation: run on the preparing thread, its outcome kept in {@link #result}. */
    private final class Job implements Runnable
    {
        final Path dir;
        final int capacity;
        final CompletableFuture<Spare> result = new CompletableFuture<>();

        Job(final Path dir, final int capacity)
        {
            this.dir = dir;
            this.capacity = capacity;
        }

        @Override
        public void run()
        {
            try
            {
                result.complete(prepareSpare(dir, capacity));
            }
            catch (final Throwable t)
            {
                // Kept for take(), which falls back to a synchronous allocation and reports its own error.
                result.completeExceptionally(t);
            }
        }
    }

    /** A prepared spare: allocated, durable, mapped, locked against removeStale of other processes. */
    private static final class Spare
    {
        final Path file;
        final int capacity;
        final FileChannel channel;
        final MappedByteBuffer map;
        final FileLock lock;

        Spare(final Path file, final int capacity, final FileChannel channel, final MappedByteBuffer map, final FileLock lock)
        {
            this.file = file;
            this.capacity = capacity;
            this.channel = channel;
            this.map = map;
            this.lock = lock;
        }

        /** After the rename: the file is a segment now, no longer protected as a spare. */
        void handedOver()
        {
            LIVE_SPARES.remove(file);
            if (lock != null)
            {
                try
                {
                    lock.release();
                }
                catch (final IOException ignored)
                {
                    // Closing the segment's channel releases it anyway.
                }
            }
        }

        void discard()
        {
            try
            {
                IoUtil.unmap(map);
            }
            finally
            {
                MmapSegment.closeQuietly(channel);
                deleteQuietly(file);
                LIVE_SPARES.remove(file);
            }
        }
    }
}
