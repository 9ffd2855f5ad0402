package io.durability.replication.ratis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The writer of a {@link NemesisTest}: keeps up to {@code inFlight} appends outstanding all the time,
 * append {@code n} (1, 2, ...) carrying {@code Replicas.payload(seed, n)}, and records what became of
 * each: acknowledged with an id, or failed ("not known to be committed").
 */
final class NemesisWriter implements Runnable
{
    private final ReplicatedWal wal;
    private final long seed;
    private final int inFlight;
    private final Semaphore permits;
    /** The number of the last append sent; appends 1..sent() were sent in that order. */
    private final AtomicLong sent = new AtomicLong();
    /** Append number -> acknowledged id. */
    final Map<Long, Long> acked = new ConcurrentHashMap<>();
    /** Append numbers whose future failed. */
    final Map<Long, String> failed = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    private final List<Failover> failovers = new ArrayList<>();
    private long lastAckNanos;
    private long maxStallNanos;
    private volatile boolean stop;

    /** A leader killed or paused at {@code eventNanos}: resolved by the first acknowledgement of an append numbered {@code firstAfter} or later. */
    static final class Failover
    {
        final long eventNanos;
        final long firstAfter;
        long millis = -1;

        Failover(final long eventNanos, final long firstAfter)
        {
            this.eventNanos = eventNanos;
            this.firstAfter = firstAfter;
        }
    }

    /** Appends per second at most (0: unpaced): keeps a long run's WALs to a size a test machine holds. */
    private final int ratePerSecond;

    NemesisWriter(final ReplicatedWal wal, final long seed, final int inFlight, final int ratePerSecond)
    {
        this.wal = wal;
        this.seed = seed;
        this.inFlight = inFlight;
        this.permits = new Semaphore(inFlight);
        this.ratePerSecond = ratePerSecond;
    }

    @Override
    public void run()
    {
        synchronized (this)
        {
            lastAckNanos = System.nanoTime();
        }
        final long start = System.nanoTime();
        try
        {
            while (!stop)
            {
                if (!permits.tryAcquire(50, TimeUnit.MILLISECONDS))
                {
                    continue;
                }
                final long n = sent.incrementAndGet();
                if (ratePerSecond > 0)
                {
                    final long due = start + n * 1_000_000_000L / ratePerSecond;
                    for (long wait = due - System.nanoTime(); wait > 0 && !stop; wait = due - System.nanoTime())
                    {
                        TimeUnit.NANOSECONDS.sleep(Math.min(wait, 50_000_000L));
                    }
                }
                wal.append(Replicas.payload(seed, n)).whenComplete((id, error) ->
                {
                    if (error == null)
                    {
                        acked.put(n, id);
                        acknowledged(n);
                    }
                    else
                    {
                        failed.put(n, String.valueOf(error));
                    }
                    permits.release();
                });
            }
        }
        catch (final Throwable t)
        {
            crashed.set(t);
        }
    }

    private synchronized void acknowledged(final long n)
    {
        final long now = System.nanoTime();
        maxStallNanos = Math.max(maxStallNanos, now - lastAckNanos);
        lastAckNanos = now;
        for (final Failover f : failovers)
        {
            if (f.millis < 0 && n >= f.firstAfter)
            {
                f.millis = TimeUnit.NANOSECONDS.toMillis(now - f.eventNanos);
            }
        }
    }

    /** Call just before the leader is killed or paused: measures the time to the first acknowledgement of an append sent after now. */
    synchronized void leaderEvent()
    {
        failovers.add(new Failover(System.nanoTime(), sent.get() + 1));
    }

    /** @return the failover times measured (ms), and -1 for each not resolved. */
    synchronized long[] failoverMillis()
    {
        return failovers.stream().mapToLong(f -> f.millis).toArray();
    }

    synchronized long maxStallMillis()
    {
        return TimeUnit.NANOSECONDS.toMillis(Math.max(maxStallNanos, System.nanoTime() - lastAckNanos));
    }

    long sent()
    {
        return sent.get();
    }

    /** @return the highest id acknowledged so far (0 when none). */
    long maxAckedId()
    {
        return acked.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Send nothing more. */
    void stop()
    {
        stop = true;
    }

    /** @return whether every append sent has completed (acknowledged or failed). */
    boolean idle()
    {
        return permits.availablePermits() == inFlight;
    }

    Throwable crashed()
    {
        return crashed.get();
    }
}
