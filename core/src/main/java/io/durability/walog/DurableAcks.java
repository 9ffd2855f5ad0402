package io.durability.walog;

import io.durability.storage.DurabilityException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The durable position of one writer and whoever waits on it: one number, published once per
 * barrier ({@link #publish}), read by {@link WalWriter#lastDurableId()}, blocking waiters and futures.
 *
 * <p>A barrier that nobody waits for costs one volatile store and one volatile load here: waiters
 * announce themselves in {@link #waiting} before they read the position, and the publisher reads
 * {@link #waiting} after it stored the position (both sequentially consistent), so either the waiter
 * sees the new position or the publisher sees the waiter.
 */
final class DurableAcks
{
    private record Pending(long id, CompletableFuture<Long> future) implements Comparable<Pending>
    {
        @Override
        public int compareTo(final Pending o)
        {
            return Long.compare(id, o.id);
        }
    }

    private final String walDir;
    private final PriorityQueue<Pending> futures = new PriorityQueue<>();
    /** Under {@code this}: why no further id will become durable (poisoned, or closed); null while live. */
    private DurabilityException ended;
    /** Under {@code this}: the last id that existed when the writer closed (ids above never will). */
    private long lastIdAtEnd = Long.MAX_VALUE;

    private volatile long durable;
    @SuppressWarnings("unused") // through WAITING
    private volatile int waiting;
    private static final VarHandle WAITING;

    static
    {
        try
        {
            WAITING = MethodHandles.lookup().findVarHandle(DurableAcks.class, "waiting", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    DurableAcks(final String walDir)
    {
        this.walDir = walDir;
    }

    long durable()
    {
        return durable;
    }

    /** A barrier covered every id up to {@code id} (never lower than the last one published). */
    void publish(final long id)
    {
        durable = id;
        if (waiting != 0)
        {
            wake(id);
        }
    }

    private synchronized void wake(final long id)
    {
        Pending p;
        while ((p = futures.peek()) != null && p.id() <= id)
        {
            futures.poll();
            WAITING.getAndAdd(this, -1);
            p.future().complete(p.id());
        }
        notifyAll();
    }

    /**
     * No id will become durable any more: the writer is poisoned ({@code lastIdAtEnd} is
     * {@link Long#MAX_VALUE}), or closed after making every id up to {@code lastIdAtEnd} durable (or
     * failing to). Fails every waiter left; the first call wins.
     */
    synchronized void end(final DurabilityException why, final long lastIdAtEnd)
    {
        if (ended != null)
        {
            return;
        }
        ended = why;
        this.lastIdAtEnd = lastIdAtEnd;
        Pending p;
        while ((p = futures.poll()) != null)
        {
            WAITING.getAndAdd(this, -1);
            p.future().completeExceptionally(failure(p.id()));
        }
        notifyAll();
    }

    private DurabilityException failure(final long id)
    {
        if (id > lastIdAtEnd)
        {
            return DurabilityException.invalidState(
                "WAL writer closed before entry " + id + " was appended (the last entry is " + lastIdAtEnd + ")", walDir);
        }
        return ended.because("entry " + id + " will never be reported durable", walDir);
    }

    CompletableFuture<Long> future(final long id)
    {
        if (durable >= id)
        {
            return CompletableFuture.completedFuture(id);
        }
        synchronized (this)
        {
            WAITING.getAndAdd(this, 1);
            if (durable >= id)
            {
                WAITING.getAndAdd(this, -1);
                return CompletableFuture.completedFuture(id);
            }
            if (ended != null)
            {
                WAITING.getAndAdd(this, -1);
                return CompletableFuture.failedFuture(failure(id));
            }
            final CompletableFuture<Long> f = new CompletableFuture<>();
            futures.add(new Pending(id, f));
            return f;
        }
    }

    boolean await(final long id, final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (durable >= id)
        {
            return true;
        }
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this)
        {
            WAITING.getAndAdd(this, 1);
            try
            {
                while (true)
                {
                    if (durable >= id)
                    {
                        return true;
                    }
                    if (ended != null)
                    {
                        throw failure(id);
                    }
                    final long left = deadline - System.nanoTime();
                    if (left <= 0)
                    {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            }
            finally
            {
                WAITING.getAndAdd(this, -1);
            }
        }
    }
}
