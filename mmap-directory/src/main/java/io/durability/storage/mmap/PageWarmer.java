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
 * of progress.
 *
 * <p><b>Out of the writer's way.</b> An appending thread that spins on one core of a small machine
 * is preempted whenever a thread that wakes up is placed on its core: with a fixed 100 us park this
 * warmer woke 10 000 times a second and the appending thread was switched out 20-40 times more often
 * than without it (the {@code involuntarySwitches} of {@code LatencyLoop}), which is what raised p99
 * and p99.9. So the thread
 * <ul>
 *   <li>parks, when its window is warm, for the time the writer needs to use a quarter of the
 *   window at the speed it was last seen writing, between {@value #MIN_PARK_NANOS} ns and
 *   {@value #MAX_PARK_NANOS} ns (an idle writer costs 200 wake-ups a second, a writer of 50 MB/s
 *   with a 1 MiB window about 200 too);</li>
 *   <li>asks Linux, when the native layer loads (see {@code NativeIo}), for the {@code SCHED_IDLE}
 *   policy: it then runs only on a core nothing else wants and never preempts the writer. Where
 *   that is not available it runs at normal priority, and only the parking protects the writer.</li>
 * </ul>
 */
final class PageWarmer
{
    static final int PAGE = 4096;
    /**
     * Pages warmed under one hold of a segment's lock: a segment's {@code close()} (a roll, on the
     * appending thread) waits for at most one batch, 4 first stores (tens of microseconds here). Under
     * {@code SCHED_IDLE} a warmer preempted inside a batch runs again as soon as the waiting thread
     * leaves its core idle.
     */
    static final int BATCH_PAGES = 4;
    static final long MIN_PARK_NANOS = 50_000;
    static final long MAX_PARK_NANOS = 5_000_000;
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
        int seenTail;
        long seenAt;

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
        NativeIo.idleScheduling();
        while (running)
        {
            boolean worked = false;
            long park = MAX_PARK_NANOS;
            final long now = System.nanoTime();
            for (final Target t : targets)
            {
                worked |= warm(t);
                park = Math.min(park, parkFor(t, now));
            }
            if (!worked)
            {
                LockSupport.parkNanos(park);
            }
        }
    }

    /** @return how long {@code t}'s writer takes to use a quarter of the window at its last seen speed. */
    private long parkFor(final Target t, final long now)
    {
        final int tail = t.tail;
        final long elapsed = now - t.seenAt;
        if (tail == t.seenTail && elapsed < MAX_PARK_NANOS)
        {
            return MAX_PARK_NANOS;
        }
        final long moved = Math.max(0, (long)tail - t.seenTail);
        t.seenTail = tail;
        t.seenAt = now;
        if (moved == 0 || elapsed <= 0)
        {
            return MAX_PARK_NANOS;
        }
        // window / 4 bytes at moved / elapsed bytes per ns.
        final double nanos = (window / 4.0) * elapsed / moved;
        return (long)Math.max(MIN_PARK_NANOS, Math.min(MAX_PARK_NANOS, nanos));
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
