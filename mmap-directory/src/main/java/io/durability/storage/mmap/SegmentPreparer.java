package io.durability.storage.mmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a spare segment file ready per folder, so that creating the next segment of a log is a
 * rename and a pointer swap instead of an allocation on the appending thread. Its one job: which
 * spare serves which roll. It queues a preparation after each segment created ({@link #prepare}),
 * hands the spare over at the next roll in that folder ({@link #take}), discards spares that will
 * serve none, and counts what happened. At most one spare per folder, at most {@value #MAX_SPARES}
 * folders.
 *
 * <p>The work is done by others: {@link SpareFiles} makes and deletes the files (with
 * {@link PreTouching} warming their pages), on the {@link PreparingThread}, which the
 * {@link MappingReleaser} shares to unmap closed writable segments. A failure to prepare is kept in
 * the spare's future and answered by {@link #take} with {@code null}: the caller then allocates
 * synchronously and reports its own error.
 *
 * <p>Thread-safe.
 */
final class SegmentPreparer
{
    /** At most this many closed segments wait for the preparing thread: {@link MappingReleaser#MAX_PENDING}. */
    static final int MAX_PENDING_RELEASES = MappingReleaser.MAX_PENDING;

    private static final int MAX_SPARES = 8;
    private static final System.Logger LOG = System.getLogger("io.durability.storage.mmap");

    private final SpareFiles spares;
    private final PreparingThread thread;
    private final MappingReleaser releaser;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong spareWaits = new AtomicLong();
    private final AtomicLong spareWaitNanos = new AtomicLong();
    private final Map<String, Job> slots = new LinkedHashMap<>(16, 0.75f, true); // by folder; guarded by this
    private final Set<Job> outstanding = new HashSet<>(); // prepared or queued, not yet taken or discarded
    private boolean closed; // guarded by this
    private volatile Throwable lastFailure;

    SegmentPreparer(final SegmentAllocator allocator, final PreTouch preTouch)
    {
        this.spares = new SpareFiles(allocator, new PreTouching(preTouch));
        this.thread = new PreparingThread("durability-mmap-prepare-" + spares.token());
        this.releaser = new MappingReleaser(thread);
    }

    /** @return whether {@code name} is a spare's file name: {@link SpareFiles#isSpareName} (tests name it here). */
    static boolean isSpareName(final String name)
    {
        return SpareFiles.isSpareName(name);
    }

    /** @return what {@link PreTouch#AUTO} means in {@code dir}: {@link PreTouching#auto} (tests name it here). */
    static PreTouch autoPreTouch(final Path dir)
    {
        return PreTouching.auto(dir);
    }

    /** @return where closed writable segments of this directory release their mappings. */
    MappingReleaser releaser()
    {
        return releaser;
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
        final SpareFiles.Spare spare;
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
        return new MmapSegment(relativePath, spare.channel, spare.map, releaser);
    }

    /**
     * Start preparing a spare of {@code capacity} bytes in {@code dir} (the folder {@code folder}).
     *
     * @param realFolder the real path of {@code dir}, when the caller has just resolved and checked
     *                   it; {@code null} to have the preparing thread resolve it.
     */
    void prepare(final String folder, final Path dir, final Path realFolder, final int capacity)
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            final Job job = new Job(dir, realFolder, capacity);
            final Job replaced = slots.put(folder, job);
            outstanding.add(job);
            thread.execute(job);
            if (replaced != null)
            {
                thread.execute(() -> discardWhenDone(replaced));
            }
            if (slots.size() > MAX_SPARES)
            {
                final Map.Entry<String, Job> eldest = slots.entrySet().iterator().next();
                slots.remove(eldest.getKey());
                final Job victim = eldest.getValue();
                thread.execute(() -> discardWhenDone(victim));
            }
        }
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
        final SpareFiles.Spare spare = job.result.getNow(null);
        if (spare != null)
        {
            spare.discard();
        }
    }

    /** Test aid: wait until every preparation queued so far has finished, successfully or not. */
    void awaitIdle()
    {
        thread.awaitIdle();
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

    /** @return how many closed segments wait for the preparing thread to release them (test aid). */
    int pendingReleases()
    {
        return releaser.pending();
    }

    /**
     * Stop the thread (after the preparation in progress, if any; queued releases are run, queued
     * preparations fail) and delete every spare not handed out.
     */
    void close()
    {
        final List<Job> left;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            left = new ArrayList<>(outstanding);
            outstanding.clear();
            slots.clear();
        }
        thread.close();
        for (final Job job : left)
        {
            final SpareFiles.Spare spare =
                job.result.isDone() && !job.result.isCompletedExceptionally() ? job.result.join() : null;
            if (spare != null)
            {
                spare.discard();
            }
        }
    }

    /** One preparation: run on the preparing thread, its outcome kept in {@link #result}. */
    private final class Job implements PreparingThread.Task
    {
        final Path dir;
        final Path realFolder;
        final int capacity;
        final CompletableFuture<SpareFiles.Spare> result = new CompletableFuture<>();

        Job(final Path dir, final Path realFolder, final int capacity)
        {
            this.dir = dir;
            this.realFolder = realFolder;
            this.capacity = capacity;
        }

        @Override
        public void run()
        {
            try
            {
                result.complete(spares.create(realFolder != null ? realFolder : dir.toRealPath(), capacity));
            }
            catch (final Throwable t)
            {
                // Kept for take(), which falls back to a synchronous allocation and reports its own error.
                result.completeExceptionally(t);
            }
        }

        /** Never run: a caller may be waiting in take() for it. */
        @Override
        public void settle()
        {
            result.completeExceptionally(new CancellationException("directory closed"));
        }
    }
}
