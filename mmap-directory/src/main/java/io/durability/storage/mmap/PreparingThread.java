package io.durability.storage.mmap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one background thread of an {@link MmapDirectory}'s segment layer, shared by spare
 * preparation ({@link SegmentPreparer}) and the release of closed mappings ({@link MappingReleaser}),
 * so that a release runs after the work queued before it. Its one job: run those tasks in order on
 * a daemon thread started on first use (and let go after 10 idle seconds), and stop without losing
 * any: at {@link #close()} the task running is let finish, never interrupted, and each task still
 * queued is {@linkplain Task#settle() settled} instead of run.
 *
 * <p>Thread-safe.
 */
final class PreparingThread
{
    /** A task that must not be dropped silently when the thread stops before running it. */
    interface Task extends Runnable
    {
        /** Called instead of {@link #run()} when the thread stops first: complete, fail or release. */
        void settle();
    }

    private final String name;
    private ThreadPoolExecutor executor; // guarded by this; created on first use
    private boolean closed; // guarded by this

    PreparingThread(final String name)
    {
        this.name = name;
    }

    /**
     * Queue {@code task} behind those queued before it.
     *
     * @return {@code false}, and nothing queued, once {@link #close()} has begun.
     */
    synchronized boolean execute(final Runnable task)
    {
        if (closed)
        {
            return false;
        }
        executor().execute(task);
        return true;
    }

    private ThreadPoolExecutor executor()
    {
        if (executor == null)
        {
            final String threadName = name;
            executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r ->
            {
                final Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
            executor.allowCoreThreadTimeOut(true);
        }
        return executor;
    }

    /** Test aid: wait until every task queued so far has finished. */
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
        catch (final ExecutionException | RejectedExecutionException ignored)
        {
            // closed meanwhile: nothing is pending any more
        }
    }

    /**
     * Stop: take the queued tasks off and settle them, let the one running finish, and return when
     * the thread is gone. An interrupt is not used: one inside {@code FileChannel.map} can leave a
     * mapping nobody holds (the channel closes, the buffer is never returned), which then pins its
     * file, and its filesystem, until a garbage collection. Idempotent.
     */
    void close()
    {
        final ThreadPoolExecutor ex;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            ex = executor;
        }
        if (ex == null)
        {
            return;
        }
        final List<Runnable> neverRun = new ArrayList<>();
        ex.getQueue().drainTo(neverRun);
        ex.shutdown();
        for (final Runnable task : neverRun)
        {
            if (task instanceof Task)
            {
                ((Task)task).settle();
            }
            else if (task instanceof Future)
            {
                ((Future<?>)task).cancel(false);
            }
        }
        awaitTermination(ex);
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
}
