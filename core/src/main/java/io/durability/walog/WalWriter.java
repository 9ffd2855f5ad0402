package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.internal.frame.SegmentAppender;
import io.durability.testhook.CrashPoints;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;

import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The single writer of a multi-segment write-ahead log.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Ids</b>: each appended entry gets the next id, starting at 1, strictly increasing across
 *   segments and across {@link #resume} (ids live in the frame header, not the payload).</li>
 *   <li><b>Visibility</b>: when {@link #append} returns, the entry is visible to any reader of the
 *   directory (same process, or another process mapping the same file). {@link #flush()} exists for
 *   the seed's vocabulary and costs a fence: there is no user-space buffer to drain.</li>
 *   <li><b>Durability</b>: only a completed barrier promises it: {@link #flushAndSync()} (every entry
 *   appended before the call survives power loss once it returns), a clean {@link #close()}, and,
 *   under a background {@link SyncPolicy} ({@link WalOptions#withSyncPolicy}), the barriers of the
 *   writer's syncer thread. Every completed barrier publishes the last id it covered as
 *   {@link #lastDurableId()} (one number; {@link #awaitDurable}, {@link #whenDurable} and the
 *   {@link DurabilityListener} report the same one): every entry up to it survives power loss. On a
 *   directory without stable storage {@code flushAndSync} throws {@code NOT_SUPPORTED} and a background
 *   policy is refused. A failed barrier, on any thread, poisons the writer (a retried fsync can falsely
 *   succeed): every later call throws {@code INVALID_STATE}, every waiter gets the failure, nothing is
 *   retried: reopen with {@link #resume}.</li>
 *   <li><b>Acknowledged means protected</b>: once a {@code flushAndSync} has returned, no reader,
 *   {@link #resume} or repair cuts, skips or reuses an entry it covered without an error saying so.
 *   Damage to such an entry is corruption, with one exact exception while the writer runs: damage
 *   to the frames of the last barrier (or of the one before it, within 4 KiB) that leaves a whole
 *   512-byte sector reading as zeros is what a power cut leaves too, and reads as a torn tail. After
 *   {@link #close()} and {@link #syncWatermark()} (which checkpoint publish calls) there is no
 *   exception (docs/FORMAT.md, "Reader rules").</li>
 *   <li><b>Crash</b>: a process killed at any instant leaves whole entries only (each frame's
 *   length is stored last, with release semantics); {@link #resume} continues after the last one.</li>
 *   <li><b>Exclusion</b>: one writer per WAL folder, across threads and, on filesystem directories,
 *   processes: a second {@code create}/{@code resume} fails with {@code LOCK_FAILED} until
 *   {@link #close()}.</li>
 * </ul>
 *
 * <h2>Hot path</h2>
 * {@link #append}, {@link #claim} and commit allocate nothing and make no system call (after
 * warm-up, with a codec that does not allocate); the only branch off it is the roll to a new
 * segment. On a filesystem directory the next segment's file is named ahead by a thread of the
 * writer ({@link NextSegment}), so a roll writes a seal and a header, swaps a pointer and hands the
 * old segment to that thread to close: no system call, no thread woken. A roll that finds no file
 * ready creates it itself ({@link WalMetrics#rollsWithoutSpare()} counts those).
 *
 * <p>Not thread-safe: call it from one thread, or guard it. The exceptions, safe from any thread:
 * {@link #lastDurableId()}, {@link #awaitDurable}, {@link #whenDurable} and {@link #metrics()}. A
 * background {@link SyncPolicy} adds one thread (the syncer), which never blocks the appending
 * thread and is never signalled by it: it reads what {@code append} publishes anyway. So does
 * {@link NextSegment#BACKGROUND} (the {@code durability-wal-ahead-<walDir>} thread, which polls);
 * both stop at {@link #close()}.
 *
 * @param <E> the entry type.
 */
public final class WalWriter<E> implements AutoCloseable
{
    private final Directory directory;
    private final Codec<E> codec;
    private final WalOptions options;
    private final DirectoryLock lock;
    private final WalClaim claim = new WalClaim(this);
    private final SegmentMaker segments;
    private final AppendCounters counters;
    /** Barriers, the watermark, durable acks, the syncer's view and poisoning (the durability room). */
    private final Barriers barriers;
    private final RepairReport repairReport;
    /** The segment being appended to (this thread's; {@link Barriers} holds its own view under its lock). */
    private SegmentAppender current;
    private boolean closed;

    private WalWriter(
        final Directory directory, final Codec<E> codec, final WalOptions options, final DirectoryLock lock,
        final WalOpening.Opened opened)
    {
        this.directory = directory;
        this.codec = codec;
        this.options = options;
        this.lock = lock;
        this.segments = opened.segments();
        this.current = opened.current();
        this.repairReport = opened.report();
        this.counters = new AppendCounters(opened.lastEntryId());
        this.barriers = new Barriers(directory, options, counters, opened);
        barriers.startSyncer(options.syncPolicy());
        segments.aheadOf(current.segmentId());
    }

    /**
     * Start a new WAL in {@code options.walDir()}.
     *
     * @throws DurabilityException INVALID_STATE when segments already exist (use {@link #resume}),
     *                             LOCK_FAILED, IO.
     */
    public static <E> WalWriter<E> create(final Directory directory, final Codec<E> codec, final WalOptions options)
    {
        return open(directory, codec, options, false);
    }

    /** {@link #create(Directory, Codec, WalOptions)} with {@link WalOptions#defaults()}. */
    public static <E> WalWriter<E> create(final Directory directory, final Codec<E> codec)
    {
        return create(directory, codec, WalOptions.defaults());
    }

    /**
     * Continue a WAL, empty or not, after the verdict of one scan ({@link WalVerdict}). A torn tail
     * (what a crash or power cut leaves after the last completed barrier: a torn frame, a seal or a
     * segment file that never reached the disk) is cut back to the last whole frame, the bytes after
     * it are zeroed and made durable so they can never be read later, segments after the end of valid
     * data are deleted, and the next entry gets the id after the last whole one;
     * {@link #repairReport()} says what was done, and a repair is logged. Corruption (damage no crash
     * leaves, or damage to acknowledged data) is thrown and nothing is changed: resume never cuts an
     * acknowledged entry and never hands out an acknowledged id again.
     *
     * <p>Cost: the structure of every segment (file length, header, ids, seals: O(number of
     * segments)) and every frame from the last segment a barrier proved (O(one segment)), whatever
     * the WAL's size; {@link WalOptions#withFullResumeCheck} validates every frame.
     *
     * <p>Codec: a segment created by this writer records {@code codec.id()} in its header; a segment
     * resume continues keeps the header (and format version) it has. When {@code codec.id()} is not
     * 0 and a segment header records another non-zero {@link Codec#id() codec id}, resume refuses
     * before it changes anything ({@code INVALID_CONFIG} naming the segment, {@code expected} this
     * codec's id and {@code found} the recorded one). A codec of id 0 resumes any WAL.
     *
     * @throws DurabilityException FORMAT or CRC_MISMATCH (corruption), INVALID_CONFIG (the WAL was
     *                             written with another codec), LOCK_FAILED, IO.
     */
    public static <E> WalWriter<E> resume(final Directory directory, final Codec<E> codec, final WalOptions options)
    {
        return open(directory, codec, options, true);
    }

    /** {@link #resume(Directory, Codec, WalOptions)} with {@link WalOptions#defaults()}. */
    public static <E> WalWriter<E> resume(final Directory directory, final Codec<E> codec)
    {
        return resume(directory, codec, WalOptions.defaults());
    }

    private static <E> WalWriter<E> open(
        final Directory directory, final Codec<E> codec, final WalOptions options, final boolean resume)
    {
        final DirectoryLock lock = WalOpening.lock(directory, options);
        try
        {
            return new WalWriter<>(directory, codec, options, lock, resume ?
                WalOpening.resume(directory, options, codec.id()) : WalOpening.create(directory, options, codec.id()));
        }
        catch (final RuntimeException ex)
        {
            lock.close();
            throw ex;
        }
    }

    /**
     * @return what {@link #resume} found and changed (for a writer made by {@link #create}: a clean
     * verdict of an empty WAL and the first segment created).
     */
    public RepairReport repairReport()
    {
        return repairReport;
    }

    /**
     * Append one entry, encoded by the codec straight into the segment.
     *
     * @return the entry id assigned.
     * @throws DurabilityException ENCODE (larger than a segment can hold, or the codec failed),
     *                             INVALID_STATE (closed, poisoned, a claim is open), IO (roll failed).
     */
    public long append(final E entry)
    {
        checkWritable();
        int length = InPlaceEncoding.encode(codec, current, entry);
        if (length < 0)
        {
            if (!current.hasFrames())
            {
                throw tooLarge(entry);
            }
            roll();
            length = InPlaceEncoding.encode(codec, current, entry);
            if (length < 0)
            {
                throw tooLarge(entry);
            }
        }
        return counters.appended(current.commit(current.tail(), length), length);
    }

    private DurabilityException tooLarge(final E entry)
    {
        current.abort(current.tail(), Math.max(0, current.available()));
        return DurabilityException.encode(
            "entry does not fit in an empty segment; raise WalOptions.segmentCapacity",
            "at most " + options.maxPayloadLength() + " payload bytes", "a larger " + entry.getClass().getSimpleName());
    }

    /**
     * Append entries in order. Equivalent to calling {@link #append} for each, so after a crash a
     * prefix of the batch may be present; make the whole batch durable with one
     * {@link #flushAndSync()}. Ids are consecutive: the batch holds ids {@code first} to
     * {@code first + entries.size() - 1} ({@link #lastEntryId()} afterwards). Allocates nothing.
     *
     * @return the id of the first entry of the batch ({@link #nextEntryId()} when it is empty).
     */
    public long appendBatch(final List<? extends E> entries)
    {
        final long first = nextEntryId();
        for (int i = 0, n = entries.size(); i < n; i++)
        {
            append(entries.get(i));
        }
        return first;
    }

    /**
     * Claim space for a payload of up to {@code maxLength} bytes, to be written in place by the
     * caller and then committed or aborted (Aeron's {@code tryClaim} pattern). Only one claim may be
     * open at a time; other writes wait for it.
     *
     * @return this writer's reusable claim, active.
     * @throws DurabilityException ENCODE (larger than a segment can hold), INVALID_STATE, IO.
     */
    public WalClaim claim(final int maxLength)
    {
        checkWritable();
        if (maxLength < 0 || maxLength > options.maxPayloadLength())
        {
            throw DurabilityException.encode(
                "claim larger than a segment can hold; raise WalOptions.segmentCapacity",
                "0.." + options.maxPayloadLength(), maxLength);
        }
        if (current.claim(maxLength) < 0)
        {
            roll();
        }
        final int frameOffset = current.claim(maxLength);
        claim.activate(current.buffer(), frameOffset, SegmentAppender.payloadOffset(frameOffset), maxLength);
        return claim;
    }

    long commitClaim(final WalClaim c, final int length)
    {
        checkClaim(c);
        if (length < 0 || length > c.maxLength())
        {
            throw DurabilityException.invalidConfig("commit length outside the claim", "0.." + c.maxLength(), length);
        }
        c.deactivate();
        return counters.appended(current.commitClaimed(c.frameOffset(), c.maxLength(), length), length);
    }

    void abortClaim(final WalClaim c)
    {
        checkClaim(c);
        current.abort(c.frameOffset(), c.maxLength());
        c.deactivate();
    }

    private void checkClaim(final WalClaim c)
    {
        if (c != claim || !c.isActive())
        {
            throw DurabilityException.invalidState("no open claim to commit or abort", null);
        }
        checkUsable();
    }

    private void roll()
    {
        // JFR (WalEvents): nothing allocated or read unless a recording enabled the event.
        final WalEvents.Roll event = WalEvents.ROLL_TYPE.isEnabled() ? new WalEvents.Roll() : null;
        final long missesBefore = event == null ? 0 : segments.rollsWithoutSpare(counters.rolls());
        if (event != null)
        {
            event.begin();
        }
        final SegmentAppender old = current;
        // Seal first, then initialize the next segment's header: a reader that finds the next segment
        // initialized always finds this one sealed, and a crash in between leaves a sealed segment
        // followed by one never initialized (named ahead, or just created), which resume continues
        // after. If the creation fails, the sealed segment stays current and the next append tries the
        // roll again. With a segment named ahead the roll makes no system call (NextSegment).
        old.seal();
        CrashPoints.hit(CrashPoints.ROLL_AFTER_SEAL);
        final SegmentAppender next = segments.create(old.segmentId() + 1, old.nextEntryId());
        current = next;
        if (barriers.rolled(old, next))
        {
            segments.retire(old.file());
        }
        segments.aheadOf(next.segmentId());
        counters.rolled();
        if (event != null)
        {
            event.end();
            if (event.shouldCommit())
            {
                event.walDir = options.walDir();
                event.segmentId = next.segmentId();
                event.startEntryId = next.nextEntryId();
                event.namedAhead = segments.rollsWithoutSpare(counters.rolls()) == missesBefore;
                event.commit();
            }
        }
    }

    /**
     * Visibility boundary. Appended entries are already visible to readers when {@code append}
     * returns (the commit is a release store into shared memory), so this only issues a fence. It
     * does not make anything durable: see {@link #flushAndSync()}.
     */
    public void flush()
    {
        checkUsable();
        VarHandle.fullFence();
        if (!barriers.durable())
        {
            barriers.exactWatermark();
        }
    }

    /**
     * Protect every acknowledged entry by the header alone: record in the current segment's header
     * the exact end of what the last completed {@link #flushAndSync()} made durable, and make that
     * header durable (one more barrier, of one page). Afterwards damage to any of those entries is
     * corruption in every mode, whatever bytes it leaves; before it, damage to the last barrier's
     * frames that leaves an all-zero 512-byte sector reads as a torn write (docs/FORMAT.md).
     * {@code CheckpointPublisher.publish} calls it before it truncates, and {@link #close()} does the
     * same for everything written. On a directory without stable storage it records the end of
     * everything written (nothing there can be lost out of order) and syncs nothing.
     *
     * @throws DurabilityException IO (the writer is poisoned), INVALID_STATE.
     */
    public void syncWatermark()
    {
        checkUsable();
        if (!barriers.durable())
        {
            barriers.exactWatermark();
            return;
        }
        barriers.barrier(true);
    }

    /**
     * Durability barrier: every entry appended before this call survives power loss or an OS crash
     * once it returns ({@link #lastDurableId()} then covers them). Under a background
     * {@link SyncPolicy} it runs after the syncer's barrier in progress, on this thread. Forces only what changed since the last barrier: the segments sealed since
     * then (a file sync each; their mappings were released at the roll, so a writer that never syncs
     * holds one mapping, not one per segment), the current segment's dirty range and header, and the
     * WAL folder when a segment file was created.
     *
     * @throws DurabilityException NOT_SUPPORTED (no stable storage; the writer stays usable), IO (the
     *                             writer is poisoned: durability of recent entries is unknown).
     */
    public void flushAndSync()
    {
        checkUsable();
        if (!barriers.durable())
        {
            throw DurabilityException.notSupported(
                "flushAndSync needs a Directory with stable storage (this one has none)", options.walDir());
        }
        barriers.barrier(false);
    }

    /**
     * @return the id of the last entry a completed barrier of this writer made durable (0 when none
     * did yet; a resumed writer's first barrier covers the entries of earlier lives too): every entry
     * with an id up to it survives power loss, and is acknowledged, so protected (see the class
     * comment). Visible entries ({@link #lastEntryId()}) may be ahead of it. It is a lower bound: a
     * barrier covers the entries appended before it started, and may force a few appended while it
     * ran, which the next barrier reports. A {@link WalTailer.Delivery#DURABLE durable-only tailer}
     * reads the same barriers' results from the segment headers (across processes), usually one
     * barrier behind this value and, while a barrier finishes, sometimes just ahead of it; both only
     * ever name durable entries. Safe from any thread; one volatile load.
     */
    public long lastDurableId()
    {
        return barriers.lastDurableId();
    }

    /**
     * Wait until entry {@code id} is durable ({@link #lastDurableId()} {@code >= id}). Safe from any
     * thread. Under a background {@link SyncPolicy} the syncer gets there by itself; under
     * {@link SyncPolicy#manual()} some thread must call {@link #flushAndSync()} (calling this from
     * the writer's own thread then waits for nothing but the timeout). An id not yet appended may be
     * waited for.
     *
     * @return {@code true} once it is durable, {@code false} when the timeout passed first.
     * @throws DurabilityException the failure that poisoned the writer (entries not yet durable never
     *                             will be by this writer), or INVALID_STATE when the writer closed and
     *                             {@code id} was never appended.
     * @throws InterruptedException when interrupted while waiting.
     */
    public boolean awaitDurable(final long id, final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return barriers.awaitDurable(id, timeout, unit);
    }

    /**
     * The non-blocking form of {@link #awaitDurable}: a future completed with {@code id} once entry
     * {@code id} is durable, or exceptionally with the failure that poisoned the writer (or with
     * INVALID_STATE when the writer closed and {@code id} was never appended). Safe from any thread.
     * It is completed on the thread that ran the barrier (the syncer, or a {@code flushAndSync}
     * caller): dependent actions that take time belong in the {@code *Async} forms. Allocates a future
     * (already completed when the entry is durable); {@link DurabilityListener} is the allocation-free
     * form.
     */
    public CompletableFuture<Long> whenDurable(final long id)
    {
        return barriers.whenDurable(id);
    }

    /** @return the sync policy this writer runs ({@link WalOptions#syncPolicy()}). */
    public SyncPolicy syncPolicy()
    {
        return options.syncPolicy();
    }

    /**
     * @return what this writer did since it was opened: appends, bytes, rolls, barriers and their
     * time, the acknowledged entry id. Cheap, allocation of one record, safe from any thread.
     */
    public WalMetrics metrics()
    {
        final long rolls = counters.rolls();
        return new WalMetrics(counters.appends(), counters.bytes(), rolls, segments.rollsWithoutSpare(rolls),
            barriers.count(), barriers.nanosTotal(), barriers.nanosMax(), barriers.lastDurableId(),
            counters.lastEntryId(), repairReport.changedAnything(), barriers.poisoned());
    }

    /** @return the id of the last entry appended (0 when the WAL has none). */
    public long lastEntryId()
    {
        return current.nextEntryId() - 1;
    }

    /** @return the id the next entry will get. */
    public long nextEntryId()
    {
        return current.nextEntryId();
    }

    /** @return the id of the segment being appended to. */
    public long currentSegmentId()
    {
        return current.segmentId();
    }

    /** @return the options this writer uses. */
    public WalOptions options()
    {
        return options;
    }

    /**
     * Delete the segments whose every entry has an id {@code <= entryId}, oldest first, never the
     * segment being appended to. On a directory with stable storage the deletions are made durable.
     * Call it only once whatever those entries fed is durable elsewhere (a checkpoint).
     *
     * @return the number of segments deleted.
     */
    public int deleteSegmentsCoveredBy(final long entryId)
    {
        checkUsable();
        return WalMaintenance.deleteCovered(directory, options, entryId, current.segmentId());
    }

    /**
     * @return the segments and the entry range each holds, oldest first (the same as
     * {@link WalMaintenance#segmentRanges} without a writer).
     */
    public List<SegmentRange> segmentRanges()
    {
        checkUsable();
        return WalMaintenance.ranges(directory, options, current.segmentId(), current.nextEntryId());
    }

    private void checkWritable()
    {
        checkUsable();
        if (claim.isActive())
        {
            throw DurabilityException.invalidState("a claim is open: commit or abort it first", null);
        }
    }

    private void checkUsable()
    {
        if (closed)
        {
            throw DurabilityException.invalidState("WAL writer is closed", options.walDir());
        }
        barriers.checkNotPoisoned();
    }

    /**
     * Clean shutdown: an open claim is aborted, then (on a directory with stable storage) everything
     * appended is made durable as by {@link #flushAndSync()} and the exact end of the data is recorded
     * in the header and made durable, so after {@code close()} returns every entry is acknowledged and
     * protected: damage to any of them is corruption in every mode. Then segments and the lock are
     * released. A poisoned writer syncs nothing. Idempotent.
     *
     * @throws DurabilityException IO when the final barrier fails (segments and the lock are released
     *                             all the same; entries after the last completed barrier are then not
     *                             durable).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        RuntimeException failure = null;
        // After the barrier in progress; everything appended is made durable below, on this thread.
        barriers.stopSyncer();
        // The segment named ahead is deleted while the lock is held (no reader ever needed it).
        segments.close();
        try
        {
            if (claim.isActive() && !barriers.poisoned())
            {
                current.abort(claim.frameOffset(), claim.maxLength());
                claim.deactivate();
            }
            if (!barriers.poisoned())
            {
                if (barriers.durable())
                {
                    flushAndSync();
                }
                syncWatermark();
            }
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        finally
        {
            closed = true;
            current.file().close();
            lock.close();
            barriers.closed(failure instanceof DurabilityException ? (DurabilityException)failure :
                DurabilityException.invalidState("WAL writer closed" + (failure == null ? "" : " after a failed barrier: " + failure),
                    options.walDir()), current.nextEntryId() - 1);
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
