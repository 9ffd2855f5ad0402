package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.testhook.CrashPoints;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.concurrent.locks.LockSupport;

/**
 * Names a WAL's next segment ahead of its roll, and closes the segments rolled away from, off the
 * appending thread ({@link NextSegment}). Its one job: which file serves which roll. The appending
 * thread {@linkplain #request asks} for segment {@code n + 1} when it rolls into {@code n}, and
 * {@linkplain #take takes} it at the next roll; between the two, the file exists under its final name,
 * all zeros. The header is the roll's ({@link SegmentMaker}), since only the roll knows the first
 * entry id.
 *
 * <p>In {@link NextSegment#BACKGROUND} mode the work runs on a daemon thread that <b>polls</b>: the
 * appending thread only stores a request (a monitor held for a few stores, never while a file is
 * created), so a roll never wakes another thread. It is signalled only when a roll found nothing
 * ready (the slow path, which creates the file itself). In {@link NextSegment#INLINE} mode the
 * request creates the file at once, on the calling thread.
 *
 * <p>Thread-safe between the appending thread and its own thread; one writer uses it.
 */
final class SegmentAhead
{
    static final long MIN_PARK_NANOS = 200_000;
    static final long MAX_PARK_NANOS = 10_000_000;
    /**
     * Until two rolls give an interval: the longest park. A 1 ms first poll woke this thread 1 000
     * times a second for the whole first segment (seconds, at 64 MiB), beside a writer on a 2-core machine.
     */
    static final long FIRST_PARK_NANOS = MAX_PARK_NANOS;
    /** Segments waiting to be closed by the thread; one more is closed by the appending thread. */
    static final int MAX_RETIRED = 8;

    private static final System.Logger LOG = System.getLogger("io.durability.walog");

    private final Directory directory;
    private final WalOptions options;
    private final boolean background;
    /** Creates segment {@code id}'s file and prepares its appender ({@link SegmentMaker#prepared}). */
    private final LongFunction<SegmentAppender> maker;
    private final OneToOneConcurrentArrayQueue<SegmentFile> retired;
    private Thread thread;

    // Guarded by this.
    /** The segment id the next roll goes into (0: none asked for). */
    private long wanted;
    /** The id the thread is creating now (0: none). */
    private long working;
    /** The segment named ahead (its file created, its appender prepared), ready for the roll into {@link #readyId}. */
    private SegmentAppender ready;
    private long readyId;
    /** The id whose creation failed (the roll creates it itself and reports its own error). */
    private long failedId;
    private boolean closed;
    private long misses;
    private long lastRequestAt;
    private long parkNanos = FIRST_PARK_NANOS;

    SegmentAhead(
        final Directory directory, final WalOptions options, final boolean background,
        final LongFunction<SegmentAppender> maker)
    {
        this.maker = maker;
        this.directory = directory;
        this.options = options;
        this.background = background;
        this.retired = background ? new OneToOneConcurrentArrayQueue<>(MAX_RETIRED) : null;
    }

    /**
     * The writer goes into segment {@code segmentId} at its next roll: name it ahead. No system call in
     * background mode once the thread runs (it is started by the first request).
     */
    void request(final long segmentId)
    {
        if (!background)
        {
            synchronized (this)
            {
                wanted = segmentId;
            }
            create(segmentId);
            return;
        }
        final boolean start;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            wanted = segmentId;
            final long now = System.nanoTime();
            if (lastRequestAt != 0)
            {
                parkNanos = Math.max(MIN_PARK_NANOS, Math.min(MAX_PARK_NANOS, (now - lastRequestAt) / 4));
            }
            lastRequestAt = now;
            start = thread == null;
            if (start)
            {
                thread = new Thread(this::run, "durability-wal-ahead-" + options.walDir());
                thread.setDaemon(true);
            }
        }
        if (start)
        {
            thread.start();
        }
    }

    /**
     * @return the file of segment {@code segmentId} named ahead, or {@code null} when none is ready:
     * the caller creates it, and the thread will not. Waits only when the thread is creating that very
     * file at this instant.
     */
    SegmentAppender take(final long segmentId)
    {
        SegmentAppender stale = null;
        try
        {
            synchronized (this)
            {
                boolean interrupted = false;
                final boolean waited = working == segmentId;
                while (working == segmentId)
                {
                    try
                    {
                        wait();
                    }
                    catch (final InterruptedException ex)
                    {
                        interrupted = true;
                    }
                }
                if (interrupted)
                {
                    Thread.currentThread().interrupt();
                }
                final boolean requested = wanted == segmentId;
                wanted = 0;
                if (ready != null && readyId == segmentId)
                {
                    final SegmentAppender prepared = ready;
                    ready = null;
                    if (waited)
                    {
                        misses++;
                    }
                    return prepared;
                }
                stale = ready;
                ready = null;
                if (!requested)
                {
                    return null; // never asked for (a WAL's first segment, a retried roll): not a miss
                }
                misses++;
            }
        }
        finally
        {
            if (stale != null)
            {
                discard(stale);
            }
        }
        if (background && thread != null)
        {
            LockSupport.unpark(thread); // the slow path: this roll creates its file; the next must not wait
        }
        return null;
    }

    /** Close {@code file} (a segment the writer rolled away from) off the appending thread when there is room. */
    void retire(final SegmentFile file)
    {
        if (retired == null || thread == null || !retired.offer(file))
        {
            file.close();
        }
    }

    /** @return rolls that found no file named ahead ready: they waited for the one being created, or created their own. */
    synchronized long misses()
    {
        return misses;
    }

    /**
     * Stop the thread (after the creation in progress), close what waits to be closed, and delete the
     * file named ahead and never used. The WAL lock must still be held.
     */
    void close()
    {
        final Thread t;
        final SegmentAppender unused;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            t = thread;
            unused = ready;
            ready = null;
            notifyAll();
        }
        if (t != null)
        {
            LockSupport.unpark(t);
            joinQuietly(t);
        }
        drainRetired();
        if (unused != null)
        {
            discard(unused);
        }
    }

    private void run()
    {
        while (true)
        {
            drainRetired();
            final long id;
            final long park;
            synchronized (this)
            {
                if (closed)
                {
                    return;
                }
                id = ready == null && working == 0 && wanted != 0 && wanted != failedId ? wanted : 0;
                if (id != 0)
                {
                    working = id;
                }
                park = parkNanos;
            }
            if (id != 0)
            {
                create(id);
                continue;
            }
            LockSupport.parkNanos(this, park);
        }
    }

    /** Create segment {@code id}'s file and prepare it, and make it the one ready, unless the writer moved on meanwhile. */
    private void create(final long id)
    {
        SegmentAppender prepared = null;
        Throwable failure = null;
        try
        {
            prepared = maker.apply(id);
            CrashPoints.hit(CrashPoints.AHEAD_AFTER_NAMED);
        }
        catch (final RuntimeException | Error ex)
        {
            // Never left half done: a roll may be waiting for this id (an Error is rethrown below).
            failure = ex;
        }
        SegmentAppender unwanted = null;
        synchronized (this)
        {
            working = 0;
            if (failure != null)
            {
                failedId = id;
            }
            else if (!closed && wanted == id && ready == null)
            {
                ready = prepared;
                readyId = id;
            }
            else
            {
                unwanted = prepared;
            }
            notifyAll();
        }
        if (failure != null)
        {
            // Not lost: the roll creates the file itself and throws its own error if it fails there too.
            LOG.log(System.Logger.Level.WARNING, "durability: naming segment " +
                WalLayout.segmentPath(options.walDir(), id) + " ahead failed; the roll creates it on the appending " +
                "thread instead: " + failure, failure);
        }
        if (unwanted != null)
        {
            discard(unwanted);
        }
        if (failure instanceof Error)
        {
            throw (Error)failure;
        }
    }

    /** Close and delete a segment named ahead that no roll will use (all zeros: nothing of value in it). */
    private void discard(final SegmentAppender unused)
    {
        final SegmentFile file = unused.file();
        final String path = file.path();
        file.close();
        try
        {
            directory.delete(path);
        }
        catch (final DurabilityException ex)
        {
            // Left behind it reads as a never-initialized newest segment, which resume deletes.
            LOG.log(System.Logger.Level.WARNING, "durability: deleting the unused segment " + path + " failed: " + ex, ex);
        }
    }

    private void drainRetired()
    {
        if (retired == null)
        {
            return;
        }
        SegmentFile file;
        while ((file = retired.poll()) != null)
        {
            try
            {
                file.close();
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "durability: closing the rolled segment " + file.path() +
                    " failed: " + ex, ex);
            }
        }
    }

    private static void joinQuietly(final Thread t)
    {
        boolean interrupted = false;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (t.isAlive() && System.nanoTime() < deadline)
        {
            try
            {
                t.join(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
            }
            catch (final InterruptedException ex)
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
