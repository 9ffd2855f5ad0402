package io.durability.walog;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * The background thread of a {@link WalWriter} with a background {@link SyncPolicy}: decides when a
 * barrier is due from what {@code append} publishes (the last entry id and the bytes appended, each a
 * release store the writer makes anyway) and runs it through {@link Barriers#barrier}.
 * It never signals the appending thread and the appending thread never signals it: it parks while
 * nothing is due (see {@link SyncPolicy}, "Idle polling").
 *
 * <p>It stops after a failed barrier (the writer is poisoned; the failure reached every waiter) or
 * when {@link #stop} is called ({@link WalWriter#close()} then makes everything durable itself).
 */
final class Syncer implements Runnable
{
    private static final long MIN_PARK_NANOS = 10_000;

    private final Barriers barriers;
    private final SyncPolicy policy;
    private final Thread thread;
    private volatile boolean running = true;

    /** When the syncer first saw an entry the last barrier did not cover (ENTRIES / BYTES max delay); 0: none. */
    private long waitingSince;

    Syncer(final Barriers barriers, final SyncPolicy policy, final String walDir)
    {
        this.barriers = barriers;
        this.policy = policy;
        final ThreadFactory factory = policy.threadFactory();
        if (factory == null)
        {
            thread = new Thread(this, "durability-syncer-" + walDir);
            thread.setDaemon(true);
        }
        else
        {
            thread = factory.newThread(this);
        }
    }

    void start()
    {
        thread.start();
    }

    /** Stop after the barrier in progress, if any, and wait for the thread to end. */
    void stop()
    {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread)
        {
            return;
        }
        boolean interrupted = false;
        while (true)
        {
            try
            {
                thread.join();
                break;
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

    Thread thread()
    {
        return thread;
    }

    @Override
    public void run()
    {
        long park = MIN_PARK_NANOS;
        long lastStart = 0;
        while (running)
        {
            final long now = System.nanoTime();
            final long waitNanos = dueIn(now, lastStart);
            if (waitNanos <= 0)
            {
                lastStart = now;
                waitingSince = 0;
                try
                {
                    barriers.barrier(false);
                }
                catch (final RuntimeException ex)
                {
                    // The writer is poisoned and every waiter failed; nothing is retried.
                    return;
                }
                catch (final Error ex)
                {
                    // Not a barrier failure, but no barrier will follow: poison rather than leave waiters hanging.
                    barriers.syncerDied(ex);
                    throw ex;
                }
                park = MIN_PARK_NANOS;
                continue;
            }
            if (waitNanos == Long.MAX_VALUE)
            {
                if (park > MIN_PARK_NANOS && watermarkDue(now, lastStart) && barriers.watermarkBehind())
                {
                    lastStart = now;
                    // Quiet after a barrier: record its exact end in the header (one more barrier, of
                    // the header page), so that a durable-only tailer delivers the last entries and
                    // damage to them is corruption in every mode, as after syncWatermark().
                    try
                    {
                        barriers.barrier(true);
                    }
                    catch (final RuntimeException ex)
                    {
                        return;
                    }
                }
                // Nothing waiting: back off towards the idle poll.
                LockSupport.parkNanos(this, park);
                park = Math.min(policy.idlePollNanos(), park * 2);
            }
            else
            {
                // An interval can only become due with time; a count may become due with any append.
                LockSupport.parkNanos(this, policy.kind() == SyncPolicy.Kind.INTERVAL ?
                    waitNanos : Math.min(waitNanos, policy.idlePollNanos()));
                park = MIN_PARK_NANOS;
            }
        }
    }

    /** An interval policy records the watermark within its own rhythm (at most one barrier per interval). */
    private boolean watermarkDue(final long now, final long lastStart)
    {
        return policy.kind() != SyncPolicy.Kind.INTERVAL || now - lastStart >= policy.threshold();
    }

    /**
     * @return 0 or less when a barrier is due now, the nanoseconds until one is due when entries
     * wait, or {@link Long#MAX_VALUE} when nothing waits.
     */
    private long dueIn(final long now, final long lastStart)
    {
        final long waitingEntries = barriers.lastEntryId() - barriers.startEntryId();
        if (waitingEntries <= 0 && !barriers.firstBarrierWanted())
        {
            waitingSince = 0;
            return Long.MAX_VALUE;
        }
        switch (policy.kind())
        {
            case CONTINUOUS:
                return 0;
            case INTERVAL:
                return lastStart == 0 ? 0 : lastStart + policy.threshold() - now;
            default:
                final long waiting = policy.kind() == SyncPolicy.Kind.ENTRIES ?
                    waitingEntries : barriers.bytesAppended() - barriers.startBytes();
                if (waiting >= policy.threshold() || barriers.firstBarrierWanted())
                {
                    return 0;
                }
                if (policy.maxDelayNanos() == 0)
                {
                    return policy.idlePollNanos();
                }
                if (waitingSince == 0)
                {
                    waitingSince = now;
                }
                return waitingSince + policy.maxDelayNanos() - now;
        }
    }
}
