package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.testhook.CrashPoints;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The durability room of a {@link WalWriter}: barriers (what each forces, in which order), the
 * header watermark, the durable position and its waiters ({@link DurableAcks}), the listener, the
 * background syncer it feeds ({@link Syncer}) and poisoning after a failed barrier. The appending
 * thread tells it about the segments it rolls into ({@link #rolled}: the next barrier syncs the folder); it
 * reads what the appending thread publishes from {@link AppendCounters}.
 *
 * <p>Barriers run one at a time ({@code barrierLock}), on the writer's thread or the syncer's. What
 * they share with the appending thread (the fields up to {@code retired}) is guarded by {@code state},
 * held only for field updates, never across a system call; the append path never takes it (only a
 * roll does).
 */
final class Barriers
{
    private static final System.Logger LOG = System.getLogger("io.durability.walog");
    private static final VarHandle COUNT;
    private static final VarHandle NANOS_TOTAL;
    private static final VarHandle NANOS_MAX;
    private static final VarHandle START_ENTRY_ID;
    private static final VarHandle START_BYTES;

    static
    {
        try
        {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(Barriers.class, "count", long.class);
            NANOS_TOTAL = l.findVarHandle(Barriers.class, "nanosTotal", long.class);
            NANOS_MAX = l.findVarHandle(Barriers.class, "nanosMax", long.class);
            START_ENTRY_ID = l.findVarHandle(Barriers.class, "startEntryId", long.class);
            START_BYTES = l.findVarHandle(Barriers.class, "startBytes", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Directory directory;
    private final String walDir;
    private final boolean durable;
    private final AppendCounters counters;
    private final DurableAcks acks;
    private final DurabilityListener listener;

    private final ReentrantLock barrierLock = new ReentrantLock();
    private final Object state = new Object();
    /** Sealed segments (by path) written since the last barrier: their mappings are already released. */
    private List<String> pendingSync;
    /** The list the barrier in progress works through (swapped with pendingSync: no allocation). */
    private List<String> syncingList = new ArrayList<>();
    private SegmentAppender current;
    private boolean createdSinceSync;
    /** The end of the current segment's frames a completed barrier proved durable (-1: none yet). */
    private int lastDurableOffset;
    private int recordedWatermark;
    /** Where the current segment's bytes no barrier forced yet start. */
    private int forcedUpTo;
    /** The segment a barrier in progress forces; a roll meanwhile leaves closing it to that barrier. */
    private SegmentAppender syncing;
    /** A file a roll closed while a barrier forced it: closed by that barrier when it ends. */
    private SegmentFile retired;

    /** The background thread of a background SyncPolicy; null for manual. */
    private Syncer syncer;
    /** Work an opening left for the first barrier (entries of an earlier life not yet proven durable). */
    private volatile boolean firstBarrierWanted;
    private volatile RuntimeException poisonedBy;
    // Metrics and what the syncer reads: written under barrierLock, published with release stores.
    private long count;
    private long nanosTotal;
    private long nanosMax;
    private long startEntryId;
    private long startBytes;

    /**
     * @param opened what opening the WAL found and left to the first barrier.
     */
    Barriers(final Directory directory, final WalOptions options, final AppendCounters counters, final WalOpening.Opened opened)
    {
        this.directory = directory;
        this.walDir = options.walDir();
        this.durable = directory.supportsDurability();
        this.counters = counters;
        this.acks = new DurableAcks(walDir);
        this.listener = options.durabilityListener();
        this.pendingSync = new ArrayList<>(opened.pendingSync());
        this.current = opened.current();
        this.createdSinceSync = opened.createdSinceSync();
        this.lastDurableOffset = opened.lastDurableOffset();
        this.recordedWatermark = opened.recordedWatermark();
        if (opened.fresh())
        {
            initHeaderWatermark(current);
        }
        this.forcedUpTo = current.unforcedFrom();
        this.firstBarrierWanted = opened.firstBarrierWanted();
    }

    boolean durable()
    {
        return durable;
    }

    // ------------------------------------------------------------------------------------------ from the appending thread

    /**
     * The appending thread sealed {@code old} and goes on in {@code next}.
     *
     * @return whether the caller closes {@code old} now; else the barrier forcing it closes it when it ends.
     */
    boolean rolled(final SegmentAppender old, final SegmentAppender next)
    {
        final boolean closeNow;
        synchronized (state)
        {
            current = next;
            createdSinceSync = true;
            forcedUpTo = next.unforcedFrom();
            initHeaderWatermark(next);
            if (durable)
            {
                pendingSync.add(old.file().path());
            }
            // A barrier forcing the old segment right now closes it when it ends (never under its feet).
            closeNow = syncing != old;
            if (!closeNow)
            {
                retired = old.file();
            }
        }
        return closeNow;
    }

    private void initHeaderWatermark(final SegmentAppender appender)
    {
        lastDurableOffset = -1;
        if (!durable)
        {
            // No power loss without stable storage: the predecessor's seal is as real as the data.
            record(appender, SegmentDescriptor.HEADER_LENGTH);
        }
        else
        {
            recordedWatermark = 0;
        }
    }

    /** Without stable storage: the watermark is the end of everything written (appending thread). */
    void exactWatermark()
    {
        final SegmentAppender a = current;
        if (a.tail() > recordedWatermark)
        {
            record(a, a.tail());
        }
    }

    /** Store {@code watermark} in the header of {@code a} (durable only once forced). */
    private void record(final SegmentAppender a, final int watermark)
    {
        a.recordWatermark(watermark);
        recordedWatermark = watermark;
    }

    // ------------------------------------------------------------------------------------------ barriers

    /**
     * One barrier, after any other in progress. It covers what was written when it started: the
     * sealed segments listed then, the folder if a segment was created, and the current segment's
     * bytes up to its published end, with the watermark an earlier barrier proved. The appending
     * thread may append and roll meanwhile (when the syncer runs it): what it reads of the writer it
     * reads under {@code state}, the frames' end with acquire after the last entry id, so every entry
     * up to that id lies below the end it forces.
     *
     * @param exact record the exact end the last barrier proved ({@link WalWriter#syncWatermark()});
     *              without it, the watermark moves every {@link SegmentDescriptor#WATERMARK_STRIDE} bytes.
     */
    void barrier(final boolean exact)
    {
        barrierLock.lock();
        try
        {
            if (poisonedBy != null)
            {
                throw poisonedError();
            }
            // JFR (WalEvents): nothing allocated unless a recording enabled the event.
            final WalEvents.Barrier event = WalEvents.BARRIER_TYPE.isEnabled() ? new WalEvents.Barrier() : null;
            if (event != null)
            {
                event.begin();
            }
            final long started = System.nanoTime();
            final SegmentAppender a;
            final List<String> toSync;
            final boolean created;
            final long covered;
            final int committed;
            final int end;
            int from;
            int watermark = 0;
            synchronized (state)
            {
                a = current;
                // In this order: every entry up to `covered` ends below `committed`.
                covered = counters.lastEntryId();
                committed = a.committedEnd();
                end = a.writtenEnd(); // at least `committed`: it re-reads the committed end
                final int proven = lastDurableOffset >= 0 ? lastDurableOffset : SegmentDescriptor.HEADER_LENGTH;
                if (exact && lastDurableOffset <= recordedWatermark)
                {
                    return;
                }
                toSync = pendingSync;
                pendingSync = syncingList;
                syncingList = toSync;
                created = createdSinceSync;
                createdSinceSync = false;
                from = forcedUpTo;
                if (exact ? proven > recordedWatermark : SegmentDescriptor.shouldRecordWatermark(recordedWatermark, proven))
                {
                    watermark = proven;
                    recordedWatermark = proven;
                }
                syncing = a;
            }
            START_ENTRY_ID.setRelease(this, covered);
            START_BYTES.setRelease(this, counters.bytes());
            final int sealedCount = toSync.size();
            try
            {
                for (int i = 0; i < toSync.size(); i++)
                {
                    syncSealed(toSync.get(i));
                }
                toSync.clear();
                if (created)
                {
                    // Before the watermark below is stored: a non-zero watermark on disk proves that every
                    // segment file up to this one has a durable folder entry (readers rely on it).
                    directory.syncParentDir(a.file().path());
                }
                if (watermark > 0)
                {
                    // Proven by an earlier barrier; predecessors were forced above.
                    a.storeWatermark(watermark);
                    from = Math.min(from, SegmentDescriptor.WATERMARK_OFFSET);
                }
                CrashPoints.hit(CrashPoints.BARRIER_BEFORE_FORCE);
                a.forceRange(from, end);
            }
            catch (final RuntimeException ex)
            {
                endSyncing(a, -1, -1);
                poison(ex);
                throw ex;
            }
            endSyncing(a, committed, end);
            final long took = System.nanoTime() - started;
            COUNT.setRelease(this, count + 1);
            NANOS_TOTAL.setRelease(this, nanosTotal + took);
            if (took > nanosMax)
            {
                NANOS_MAX.setRelease(this, took);
            }
            firstBarrierWanted = false;
            if (covered > acks.durable())
            {
                acks.publish(covered);
                if (listener != null)
                {
                    tell(covered);
                }
            }
            if (event != null)
            {
                event.end();
                if (event.shouldCommit())
                {
                    event.walDir = walDir;
                    event.segmentId = a.segmentId();
                    event.bytes = Math.max(0, end - from);
                    event.durableEntryId = covered;
                    event.sealedSegments = sealedCount;
                    event.exact = exact;
                    event.commit();
                }
            }
        }
        finally
        {
            barrierLock.unlock();
        }
    }

    /** The barrier on {@code a} ended (forced up to {@code end}, frames to {@code committed}; -1: failed). */
    private void endSyncing(final SegmentAppender a, final int committed, final int end)
    {
        final SegmentFile toClose;
        synchronized (state)
        {
            syncing = null;
            if (end >= 0 && current == a)
            {
                lastDurableOffset = Math.max(lastDurableOffset, committed);
                // From the committed end, not `end`: zeroed bytes past it (an aborted claim, a resume's
                // repair) were forced, but the frames that will overwrite them must be forced again.
                forcedUpTo = Math.max(forcedUpTo, committed);
            }
            toClose = retired;
            retired = null;
        }
        if (toClose != null)
        {
            toClose.close();
        }
    }

    private void syncSealed(final String path)
    {
        try
        {
            directory.syncFile(path);
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() != DurabilityException.Kind.NOT_FOUND)
            {
                throw ex;
            }
            // Deleted by truncation since it was sealed: nothing left to make durable.
        }
    }

    private void tell(final long durableId)
    {
        try
        {
            listener.onDurable(durableId);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "durability: DurabilityListener.onDurable threw (ignored)", ex);
        }
    }

    // ------------------------------------------------------------------------------------------ the syncer's view

    /** Start the syncer thread of a background {@code policy} (nothing for a manual one). */
    void startSyncer(final SyncPolicy policy)
    {
        if (policy.isBackground())
        {
            syncer = new Syncer(this, policy, walDir);
            syncer.start();
        }
    }

    /** Stop the syncer after the barrier in progress, if there is one. */
    void stopSyncer()
    {
        if (syncer != null)
        {
            syncer.stop();
        }
    }

    /** The syncer thread ends on an Error (out of memory, say): no barrier will follow, so poison. */
    void syncerDied(final Error cause)
    {
        if (poisonedBy == null)
        {
            poison(DurabilityException.io("the syncer thread died: " + cause, walDir, cause));
        }
    }

    /** @return whether the current header's watermark is below the end the last barrier proved. */
    boolean watermarkBehind()
    {
        synchronized (state)
        {
            return lastDurableOffset > recordedWatermark;
        }
    }

    /** @return the last entry id the appending thread published. */
    long lastEntryId()
    {
        return counters.lastEntryId();
    }

    /** @return the frame bytes the appending thread published. */
    long bytesAppended()
    {
        return counters.bytes();
    }

    /** @return the last entry id the latest barrier started from. */
    long startEntryId()
    {
        return (long)START_ENTRY_ID.getAcquire(this);
    }

    /** @return the bytes appended when the latest barrier started. */
    long startBytes()
    {
        return (long)START_BYTES.getAcquire(this);
    }

    /** @return whether the opening left work to a first barrier that has not run yet. */
    boolean firstBarrierWanted()
    {
        return firstBarrierWanted;
    }

    // ------------------------------------------------------------------------------------------ durable position

    long lastDurableId()
    {
        return acks.durable();
    }

    boolean awaitDurable(final long id, final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return acks.await(id, timeout, unit);
    }

    CompletableFuture<Long> whenDurable(final long id)
    {
        return acks.future(id);
    }

    long count()
    {
        return (long)COUNT.getAcquire(this);
    }

    long nanosTotal()
    {
        return (long)NANOS_TOTAL.getAcquire(this);
    }

    long nanosMax()
    {
        return (long)NANOS_MAX.getAcquire(this);
    }

    // ------------------------------------------------------------------------------------------ poison and end

    boolean poisoned()
    {
        return poisonedBy != null;
    }

    /** @throws DurabilityException INVALID_STATE when a failed barrier poisoned the writer. */
    void checkNotPoisoned()
    {
        if (poisonedBy != null)
        {
            throw poisonedError();
        }
    }

    /** A failed barrier: durability of recent entries is unknown; every later call refuses. */
    private void poison(final RuntimeException ex)
    {
        poisonedBy = ex;
        if (WalEvents.POISONED_TYPE.isEnabled())
        {
            final WalEvents.Poisoned event = new WalEvents.Poisoned();
            event.walDir = walDir;
            event.cause = String.valueOf(ex.getMessage());
            event.commit();
        }
        LOG.log(System.Logger.Level.ERROR, "durability: WAL writer in " + walDir + " is poisoned by a failed " +
            "barrier (entries after the last completed barrier may not be durable; reopen with resume): " +
            ex.getMessage(), ex);
        final DurabilityException failure = ex instanceof DurabilityException ? (DurabilityException)ex :
            DurabilityException.io("durability barrier failed: " + ex, walDir, ex);
        if (listener != null)
        {
            try
            {
                listener.onFailure(failure);
            }
            catch (final RuntimeException e)
            {
                LOG.log(System.Logger.Level.WARNING, "durability: DurabilityListener.onFailure threw (ignored)", e);
            }
        }
        acks.end(failure, Long.MAX_VALUE);
    }

    private DurabilityException poisonedError()
    {
        return DurabilityException.poisoned("WAL writer is poisoned by a failed sync; durability of recent entries is " +
            "unknown: close it and reopen with WalWriter.resume", walDir, poisonedBy);
    }

    /** The writer closed (after its last barrier, or its failure): waiters of ids above {@code lastId} get {@code why}. */
    void closed(final DurabilityException why, final long lastId)
    {
        synchronized (state)
        {
            pendingSync.clear();
        }
        acks.end(why, lastId);
    }
}
