package io.durability.storage.mmap;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes the pages ahead of each writer writable before the writer gets there, on a thread of its
 * own, so that the first store into a page (a write fault, and on a VM with shadow paging a
 * hypervisor exit: 4-11 us each on the machine the benchmarks ran on, about ten times less on bare
 * metal) is not paid on the appending thread.
 *
 * <ul>
 *   <li><b>Bounded</b>: only a window of {@code window} bytes after the writer's tail (from the page
 *   after the one it is writing), never the whole segment: memory stays proportional to the
 *   window, and a barrier has nothing extra to write back if it is ranged.</li>
 *   <li><b>Safe beside the writer</b>: a page is warmed by a compare-and-set of its first int from 0
 *   to 0. It never changes a byte: if the writer got there first and stored something else, the CAS
 *   fails and writes nothing; if it stored zeros, zeros stay.</li>
 *   <li><b>Re-warmed</b>: the window is walked again every {@value #REWARM_NANOS} ns, because the
 *   kernel's background writeback cleans dirty pages and write-protects them again (a CAS on a page
 *   that is still writable costs tens of nanoseconds).</li>
 *   <li><b>Never behind an unmap</b>: pages are warmed in batches of {@value #BATCH_PAGES} under the
 *   segment's lock, and a segment's {@code close()} takes that lock after marking itself closed,
 *   before its mapping is released.</li>
 * </ul>
 * The writer's tail comes from {@link io.durability.storage.SegmentFile#written} hints, every 16 KiB
 * of progress. The thread parks {@value #IDLE_NANOS} ns when there is nothing to warm.
 */
final class PageWarmer
{
    static final int PAGE = 4096;
    static final int BATCH_PAGES = 16;
    static final long IDLE_NANOS = 100_000;
    static final long REWARM_NANOS = 50_000_000;

    private final int window;
    private final CopyOnWriteArrayList<Target> targets = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** One writable segment being warmed. */
    static final class Target
    {
        final Object lock = new Object();
        final UnsafeBuffer view;
        final int capacity;
        volatile int tail;
        boolean closed;
        int warmedTo;
        long lastFullPass;

        Target(final MappedByteBuffer map)
        {
            this.view = new UnsafeBuffer(map);
            this.capacity = map.capacity();
        }
    }

    PageWarmer(final int window, final String name)
    {
        this.window = window;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** @return the target to pass hints to; {@link #remove} before the mapping is released. */
    Target add(final MappedByteBuffer map, final int tail)
    {
        final Target t = new Target(map);
        t.tail = tail;
        targets.add(t);
        LockSupport.unpark(thread);
        return t;
    }

    /** Stop warming {@code t}; returns when no warming of it is under way. */
    void remove(final Target t)
    {
        synchronized (t.lock)
        {
            t.closed = true;
        }
        targets.remove(t);
    }

    /** The writer's hint: cheap, the thread reads it when it next looks. */
    static void written(final Target t, final int tail)
    {
        t.tail = tail;
    }

    void close()
    {
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join(1000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        while (running)
        {
            boolean worked = false;
            for (final Target t : targets)
            {
                worked |= warm(t);
            }
            if (!worked)
            {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
    }

    /** @return whether it warmed a batch of pages it had not warmed before. */
    private boolean warm(final Target t)
    {
        final int tail = t.tail;
        final int from = (tail / PAGE + 1) * PAGE;
        final int to = (int)Math.min((long)t.capacity, ((long)tail + window) / PAGE * PAGE);
        final long now = System.nanoTime();
        int start = Math.max(from, t.warmedTo);
        if (now - t.lastFullPass >= REWARM_NANOS)
        {
            t.lastFullPass = now;
            start = from;
        }
        if (start >= to)
        {
            return false;
        }
        final int end = Math.min(to, start + BATCH_PAGES * PAGE);
        synchronized (t.lock)
        {
            if (t.closed)
            {
                return false;
            }
            for (int p = start; p < end; p += PAGE)
            {
                t.view.compareAndSetInt(p, 0, 0);
            }
        }
        t.warmedTo = Math.max(t.warmedTo, end);
        return true;
    }
}
