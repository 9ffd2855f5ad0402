package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.publish.CheckpointPublisher;
import io.durability.frame.SegmentAppender;
import io.durability.internal.CrashPoints;
import io.durability.frame.SegmentDescriptor;
import io.durability.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

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
 * segment, which creates a file (an mmap directory prepares it ahead of need).
 *
 * <p>Not thread-safe: call it from one thread, or guard it. The exceptions, safe from any thread:
 * {@link #lastDurableId()}, {@link #awaitDurable}, {@link #whenDurable} and {@link #metrics()}. A
 * background {@link SyncPolicy} adds one thread (the syncer), which never blocks the appending
 * thread and is never signalled by it: it reads what {@code append} publishes anyway.
 *
 * @param <E> the entry type.
 */
public final class WalWriter<E> implements AutoCloseable
{
    private final Directory directory;
    private final Codec<E> codec;
    /** {@code codec.id()}, asked once: recorded in every segment this writer creates. */
    private final int codecId;
    private final WalOptions options;
    private final DirectoryLock lock;
    private final boolean durable;
    private final WalClaim claim = new WalClaim(this);
    private SplittableRandom saltSource;

    // Barriers. One at a time (barrierLock), by the writer's thread or the syncer. What they share with
    // the writer's thread (the fields below up to `retired`) is guarded by `state`, held only for
    // field updates, never across a system call; the append path never takes it (only a roll does).
    private final ReentrantLock barrierLock = new ReentrantLock();
    private final Object state = new Object();
    /** Sealed segments (by path) written since the last barrier: their mappings are already released. */
    private List<String> pendingSync = new ArrayList<>();
    /** The list the barrier in progress works through (swapped with pendingSync: no allocation). */
    private List<String> syncingList = new ArrayList<>();
    private SegmentAppender current;
    private boolean createdSinceSync;
    /** The end of the current segment's frames a completed barrier proved durable (-1: none yet). */
    private int lastDurableOffset = -1;
    private int recordedWatermark;
    /** Where the current segment's bytes no barrier forced yet start. */
    private int forcedUpTo;
    /** The segment a barrier in progress forces; a roll meanwhile leaves closing it to that barrier. */
    private SegmentAppender syncing;
    /** A file a roll closed while a barrier forced it: closed by that barrier when it ends. */
    private SegmentFile retired;
    private final DurableAcks acks;
    private final DurabilityListener listener;
    /** The background thread of a background SyncPolicy; null for manual. */
    private Syncer syncer;
    /** The last entry id and byte count a barrier started from (release stores; the syncer reads them). */
    private long barrierStartEntryId;
    private long barrierStartBytes;
    /** Work a resume left for the first barrier (entries of an earlier life not yet proven durable). */
    private volatile boolean firstBarrierWanted;
    private volatile RuntimeException poisonedBy;
    private boolean closed;
    private RepairReport repairReport;

    // Metrics: written by the writer thread only, each published with a release store, read with acquire.
    private long appendCount;
    private long bytesAppended;
    private long rollCount;
    private long barrierCount;
    private long barrierNanosTotal;
    private long barrierNanosMax;
    private long lastEntryIdPublished;
    private long startLastEntryId;
    private volatile boolean poisonedFlag;
    private static final VarHandle LAST_ENTRY_ID;
    private static final VarHandle APPEND_COUNT;
    private static final VarHandle BYTES_APPENDED;
    private static final VarHandle ROLL_COUNT;
    private static final VarHandle BARRIER_COUNT;
    private static final VarHandle BARRIER_NANOS_TOTAL;
    private static final VarHandle BARRIER_NANOS_MAX;
    private static final VarHandle BARRIER_START_ENTRY_ID;
    private static final VarHandle BARRIER_START_BYTES;

    static
    {
        try
        {
            final java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            APPEND_COUNT = l.findVarHandle(WalWriter.class, "appendCount", long.class);
            BYTES_APPENDED = l.findVarHandle(WalWriter.class, "bytesAppended", long.class);
            ROLL_COUNT = l.findVarHandle(WalWriter.class, "rollCount", long.class);
            BARRIER_COUNT = l.findVarHandle(WalWriter.class, "barrierCount", long.class);
            BARRIER_NANOS_TOTAL = l.findVarHandle(WalWriter.class, "barrierNanosTotal", long.class);
            BARRIER_NANOS_MAX = l.findVarHandle(WalWriter.class, "barrierNanosMax", long.class);
            BARRIER_START_ENTRY_ID = l.findVarHandle(WalWriter.class, "barrierStartEntryId", long.class);
            BARRIER_START_BYTES = l.findVarHandle(WalWriter.class, "barrierStartBytes", long.class);
            LAST_ENTRY_ID = l.findVarHandle(WalWriter.class, "lastEntryIdPublished", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private static final System.Logger LOG = System.getLogger("io.durability.walog");

    private WalWriter(final Directory directory, final Codec<E> codec, final WalOptions options, final DirectoryLock lock)
    {
        this.directory = directory;
        this.codec = codec;
        this.codecId = codec.id();
        this.options = options;
        this.lock = lock;
        this.durable = directory.supportsDurability();
        this.acks = new DurableAcks(options.walDir());
        this.listener = options.durabilityListener();
        this.saltSource = options.saltSeed() == null ?
            new SplittableRandom(System.nanoTime() ^ ((long)System.identityHashCode(this) << 32)) :
            new SplittableRandom(options.saltSeed());
    }

    /**
     * Start a new WAL in {@code options.walDir()}.
     *
     * @throws DurabilityException INVALID_STATE when segments already exist (use {@link #resume}),
     *                             LOCK_FAILED, IO.
     */
    public static <E> WalWriter<E> create(final Directory directory, final Codec<E> codec, final WalOptions options)
    {
        final DirectoryLock lock = lock(directory, options);
        try
        {
            final long[] ids = WalLayout.segmentIds(directory, options.walDir());
            if (ids.length > 0)
            {
                throw DurabilityException.invalidState(
                    "WAL already has " + ids.length + " segment(s); use WalWriter.resume to continue it",
                    WalLayout.segmentPath(options.walDir(), ids[0]));
            }
            final WalWriter<E> writer = new WalWriter<>(directory, codec, options, lock);
            writer.current = writer.newSegment(1, 1);
            writer.forcedUpTo = writer.current.unforcedFrom();
            writer.repairReport = new RepairReport(
                new WalVerdict(WalVerdict.State.CLEAN, 0, 0, 0, 0, 1, null, null, List.of(), true), null, List.of(),
                writer.current.file().path(), 1);
            writer.startSyncer();
            return writer;
        }
        catch (final RuntimeException ex)
        {
            lock.close();
            throw ex;
        }
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
        final DirectoryLock lock = lock(directory, options);
        try
        {
            final WalWriter<E> writer = new WalWriter<>(directory, codec, options, lock);
            writer.repairAndOpen();
            writer.forcedUpTo = writer.current.unforcedFrom();
            writer.firstBarrierWanted = writer.startLastEntryId > 0 || !writer.pendingSync.isEmpty() || writer.createdSinceSync;
            writer.startSyncer();
            return writer;
        }
        catch (final RuntimeException ex)
        {
            lock.close();
            throw ex;
        }
    }

    /** {@link #resume(Directory, Codec, WalOptions)} with {@link WalOptions#defaults()}. */
    public static <E> WalWriter<E> resume(final Directory directory, final Codec<E> codec)
    {
        return resume(directory, codec, WalOptions.defaults());
    }

    private static DirectoryLock lock(final Directory directory, final WalOptions options)
    {
        if (options.syncPolicy().isBackground() && !directory.supportsDurability())
        {
            throw DurabilityException.notSupported(
                "a background sync policy (" + options.syncPolicy() + ") needs a Directory with stable storage " +
                "(this one has none): use SyncPolicy.manual()", options.walDir());
        }
        directory.createDirectories(options.walDir());
        return directory.obtainLock(WalLayout.lockPath(options.walDir()));
    }

    private void repairAndOpen()
    {
        final String walDir = options.walDir();
        final WalScan.Result scan = WalScan.scan(directory, walDir, options.fullResumeCheck(), true, codecId, null);
        final WalVerdict verdict = scan.verdict;
        if (verdict.state() == WalVerdict.State.CORRUPT)
        {
            throw verdict.problem().withNote("; resume refused and changed nothing (see WalReader.check())");
        }
        if (options.saltSeed() != null)
        {
            saltSource = new SplittableRandom(options.saltSeed() ^ (scan.nextEntryId * 0x9E3779B97F4A7C15L));
        }
        final List<Long> dropped = scan.droppedSegmentIds;
        for (int i = dropped.size() - 1; i >= 0; i--)
        {
            directory.delete(WalLayout.segmentPath(walDir, dropped.get(i)));
            if (durable)
            {
                directory.syncParentDir(WalLayout.segmentPath(walDir, dropped.get(i)));
            }
        }
        // Segments after the last one a barrier proved may hold bytes only the page cache has (a
        // process crash, no reboot): the first barrier makes them, their seals and the folder durable
        // before it records a watermark that claims so.
        if (durable)
        {
            for (int i = Math.max(0, scan.lastProven); i < scan.lastIndex; i++)
            {
                pendingSync.add(WalLayout.segmentPath(walDir, scan.segmentIds[i]));
            }
            // The folder entries up to the last proven segment are durable (its watermark says so).
            createdSinceSync = scan.lastProven < scan.lastIndex;
        }
        String created = null;
        WalVerdict.Cut cut = null;
        if (scan.lastIndex < 0)
        {
            current = newSegment(1, scan.nextEntryId);
            created = current.file().path();
        }
        else if (scan.sealed)
        {
            final long segmentId = scan.segmentIds[scan.lastIndex];
            if (durable)
            {
                pendingSync.add(WalLayout.segmentPath(walDir, segmentId));
            }
            current = newSegment(segmentId + 1, scan.nextEntryId);
            created = current.file().path();
        }
        else
        {
            final long segmentId = scan.segmentIds[scan.lastIndex];
            final SegmentHeader header = scan.headers[scan.lastIndex];
            final String path = WalLayout.segmentPath(walDir, segmentId);
            final SegmentFile file = directory.openSegment(path, true);
            try
            {
                current = SegmentAppender.resume(file, header, scan.endOffset, scan.nextEntryId, scan.garbageEnd);
                if (scan.garbageEnd > scan.endOffset)
                {
                    cut = verdict.cut();
                    if (durable)
                    {
                        // Durable before any new frame lands on them: the old bytes must never come
                        // back under a new frame after a power cut.
                        current.force();
                    }
                }
                recordedWatermark = header.watermark();
                lastDurableOffset = header.watermark() > 0 ? header.watermark() : -1;
            }
            catch (final RuntimeException ex)
            {
                file.close();
                throw ex;
            }
        }
        final List<String> droppedPaths = new ArrayList<>();
        for (final long id : dropped)
        {
            droppedPaths.add(WalLayout.segmentPath(walDir, id));
        }
        repairReport = new RepairReport(verdict, cut, droppedPaths, created, scan.nextEntryId);
        startLastEntryId = scan.nextEntryId - 1;
        if (repairReport.changedAnything())
        {
            LOG.log(repairReport.cutEntries() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "durability: WalWriter.resume in " + walDir + ": " + repairReport.describe());
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
        int length = tryEncode(entry);
        if (length < 0)
        {
            if (!current.hasFrames())
            {
                throw tooLarge(entry);
            }
            roll();
            length = tryEncode(entry);
            if (length < 0)
            {
                throw tooLarge(entry);
            }
        }
        return counted(current.commit(current.tail(), length), length);
    }

    private int tryEncode(final E entry)
    {
        final SegmentAppender a = current;
        final int available = a.available();
        if (available < 0)
        {
            return Codec.DOES_NOT_FIT;
        }
        final int payloadOffset = SegmentAppender.payloadOffset(a.tail());
        final int length;
        try
        {
            length = codec.encode(entry, a.buffer(), payloadOffset, available);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            // Only the return value says "does not fit": a codec that reaches outside its room is
            // broken (with Agrona's bounds checks disabled the same write would land past its room).
            a.abort(a.tail(), available);
            throw new DurabilityException(
                DurabilityException.Kind.ENCODE, "codec wrote outside the bytes it was given (return " +
                "Codec.DOES_NOT_FIT when a value does not fit): " + ex, null, -1, "<= " + available + " bytes", null, ex);
        }
        catch (final DurabilityException ex)
        {
            a.abort(a.tail(), available);
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            a.abort(a.tail(), available);
            throw new DurabilityException(
                DurabilityException.Kind.ENCODE, "codec failed to encode an entry: " + ex, null, -1, null, null, ex);
        }
        if (length > available)
        {
            a.abort(a.tail(), available);
            throw DurabilityException.encode("codec wrote more bytes than it was given", "<= " + available, length);
        }
        return length;
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
        // Claimed bytes past the payload must read as zero: padding is checked, and a later frame's
        // length slot may land there.
        final int payloadEnd = SegmentAppender.payloadOffset(c.frameOffset()) + length;
        final int claimedEnd = SegmentAppender.payloadOffset(c.frameOffset()) + c.maxLength();
        if (claimedEnd > payloadEnd)
        {
            current.buffer().setMemory(payloadEnd, claimedEnd - payloadEnd, (byte)0);
        }
        c.deactivate();
        return counted(current.commit(c.frameOffset(), length), length);
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
        final SegmentAppender old = current;
        // Seal first, then create the next segment: a reader that lists the folder and finds the next
        // segment always finds this one sealed, and a crash in between leaves a sealed final segment,
        // which resume continues after. If the creation fails, the sealed segment stays current and
        // the next append tries the roll again.
        old.seal();
        CrashPoints.hit(CrashPoints.ROLL_AFTER_SEAL);
        final SegmentAppender next = newSegmentFile(old.segmentId() + 1, old.nextEntryId());
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
        ROLL_COUNT.setRelease(this, rollCount + 1);
        if (closeNow)
        {
            old.file().close();
        }
    }

    private SegmentAppender newSegment(final long segmentId, final long startEntryId)
    {
        final SegmentAppender appender = newSegmentFile(segmentId, startEntryId);
        initHeaderWatermark(appender);
        return appender;
    }

    private SegmentAppender newSegmentFile(final long segmentId, final long startEntryId)
    {
        final String path = WalLayout.segmentPath(options.walDir(), segmentId);
        final SegmentFile file = directory.createSegment(path, options.segmentCapacity());
        CrashPoints.hit(CrashPoints.ROLL_AFTER_CREATE);
        try
        {
            int salt;
            do
            {
                salt = saltSource.nextInt();
            }
            while (salt == 0);
            final SegmentAppender appender = SegmentAppender.create(
                file, SegmentDescriptor.KIND_WAL_SEGMENT, segmentId, startEntryId, salt, codecId);
            synchronized (state)
            {
                createdSinceSync = true;
            }
            return appender;
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
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

    /**
     * Visibility boundary. Appended entries are already visible to readers when {@code append}
     * returns (the commit is a release store into shared memory), so this only issues a fence. It
     * does not make anything durable: see {@link #flushAndSync()}.
     */
    public void flush()
    {
        checkUsable();
        VarHandle.fullFence();
        if (!durable)
        {
            exactWatermark();
        }
    }

    /**
     * Protect every acknowledged entry by the header alone: record in the current segment's header
     * the exact end of what the last completed {@link #flushAndSync()} made durable, and make that
     * header durable (one more barrier, of one page). Afterwards damage to any of those entries is
     * corruption in every mode, whatever bytes it leaves; before it, damage to the last barrier's
     * frames that leaves an all-zero 512-byte sector reads as a torn write (docs/FORMAT.md).
     * {@link CheckpointPublisher publish} calls it before it truncates, and {@link #close()} does the
     * same for everything written. On a directory without stable storage it records the end of
     * everything written (nothing there can be lost out of order) and syncs nothing.
     *
     * @throws DurabilityException IO (the writer is poisoned), INVALID_STATE.
     */
    public void syncWatermark()
    {
        checkUsable();
        if (!durable)
        {
            exactWatermark();
            return;
        }
        barrier(true);
    }

    /** Without stable storage: the watermark is the end of everything written. */
    private void exactWatermark()
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
        if (!durable)
        {
            throw DurabilityException.notSupported(
                "flushAndSync needs a Directory with stable storage (this one has none)", options.walDir());
        }
        barrier(false);
    }

    /** The syncer's barrier ({@link Syncer}): the same as {@link #flushAndSync()}, from another thread. */
    void backgroundBarrier()
    {
        barrier(false);
    }

    /** The syncer thread ends on an Error (out of memory, say): no barrier will follow, so poison. */
    void syncerDied(final Error cause)
    {
        if (poisonedBy == null)
        {
            poison(new DurabilityException(DurabilityException.Kind.IO, "the syncer thread died: " + cause,
                options.walDir(), -1, null, null, cause));
        }
    }

    /** The syncer's {@link #syncWatermark()}, when it is idle and the header lags the last barrier. */
    void backgroundWatermark()
    {
        barrier(true);
    }

    /** @return whether the current header's watermark is below the end the last barrier proved. */
    boolean watermarkBehind()
    {
        synchronized (state)
        {
            return lastDurableOffset > recordedWatermark;
        }
    }

    /**
     * One barrier, after any other in progress. It covers what was written when it started: the
     * sealed segments listed then, the folder if a segment was created, and the current segment's
     * bytes up to its published end, with the watermark an earlier barrier proved. The writer's thread
     * may append and roll meanwhile (when the syncer runs it): what it reads of the writer it reads
     * under {@code state}, the frames' end with acquire after the last entry id, so every entry up to
     * that id lies below the end it forces.
     *
     * @param exact record the exact end the last barrier proved ({@link #syncWatermark()}); without
     *              it, the watermark moves every {@link SegmentDescriptor#WATERMARK_STRIDE} bytes.
     */
    private void barrier(final boolean exact)
    {
        barrierLock.lock();
        try
        {
            if (poisonedBy != null)
            {
                throw poisonedError();
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
                covered = publishedLastEntryId();
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
            BARRIER_START_ENTRY_ID.setRelease(this, covered);
            BARRIER_START_BYTES.setRelease(this, (long)BYTES_APPENDED.getAcquire(this));
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
            BARRIER_COUNT.setRelease(this, barrierCount + 1);
            BARRIER_NANOS_TOTAL.setRelease(this, barrierNanosTotal + took);
            if (took > barrierNanosMax)
            {
                BARRIER_NANOS_MAX.setRelease(this, took);
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
        return acks.durable();
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
        return acks.await(id, timeout, unit);
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
        return acks.future(id);
    }

    /** @return the sync policy this writer runs ({@link WalOptions#syncPolicy()}). */
    public SyncPolicy syncPolicy()
    {
        return options.syncPolicy();
    }

    long publishedLastEntryId()
    {
        return Math.max((long)LAST_ENTRY_ID.getAcquire(this), startLastEntryId);
    }

    long publishedBytesAppended()
    {
        return (long)BYTES_APPENDED.getAcquire(this);
    }

    long barrierStartEntryId()
    {
        return (long)BARRIER_START_ENTRY_ID.getAcquire(this);
    }

    long barrierStartBytes()
    {
        return (long)BARRIER_START_BYTES.getAcquire(this);
    }

    boolean barrierWanted()
    {
        return firstBarrierWanted;
    }

    private void startSyncer()
    {
        if (options.syncPolicy().isBackground())
        {
            syncer = new Syncer(this, options.syncPolicy(), options.walDir());
            syncer.start();
        }
    }

    /** Count an appended entry (writer thread only). @return {@code id}. */
    private long counted(final long id, final int payloadLength)
    {
        APPEND_COUNT.setRelease(this, appendCount + 1);
        BYTES_APPENDED.setRelease(this, bytesAppended + io.durability.frame.FrameDescriptor.align(
            io.durability.frame.FrameDescriptor.HEADER_LENGTH + payloadLength));
        LAST_ENTRY_ID.setRelease(this, id);
        return id;
    }

    /**
     * @return what this writer did since it was opened: appends, bytes, rolls, barriers and their
     * time, the acknowledged entry id. Cheap, allocation of one record, safe from any thread.
     */
    public WalMetrics metrics()
    {
        return new WalMetrics(
            (long)APPEND_COUNT.getAcquire(this), (long)BYTES_APPENDED.getAcquire(this), (long)ROLL_COUNT.getAcquire(this),
            (long)BARRIER_COUNT.getAcquire(this), (long)BARRIER_NANOS_TOTAL.getAcquire(this),
            (long)BARRIER_NANOS_MAX.getAcquire(this), acks.durable(),
            Math.max((long)LAST_ENTRY_ID.getAcquire(this), startLastEntryId),
            repairReport != null && repairReport.changedAnything(), poisonedFlag);
    }

    /** A failed barrier: durability of recent entries is unknown; every later call refuses. */
    private void poison(final RuntimeException ex)
    {
        poisonedBy = ex;
        poisonedFlag = true;
        LOG.log(System.Logger.Level.ERROR, "durability: WAL writer in " + options.walDir() + " is poisoned by a failed " +
            "barrier (entries after the last completed barrier may not be durable; reopen with resume): " +
            ex.getMessage(), ex);
        final DurabilityException failure = ex instanceof DurabilityException ? (DurabilityException)ex :
            new DurabilityException(DurabilityException.Kind.IO, "durability barrier failed: " + ex, options.walDir(), -1,
                null, null, ex);
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
        return new DurabilityException(
            DurabilityException.Kind.INVALID_STATE,
            "WAL writer is poisoned by a failed sync; durability of recent entries is unknown: " +
            "close it and reopen with WalWriter.resume", options.walDir(), -1, null, null, poisonedBy);
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
        if (poisonedBy != null)
        {
            throw poisonedError();
        }
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
        if (syncer != null)
        {
            // After the barrier in progress; everything appended is made durable below, on this thread.
            syncer.stop();
        }
        try
        {
            if (claim.isActive() && poisonedBy == null)
            {
                current.abort(claim.frameOffset(), claim.maxLength());
                claim.deactivate();
            }
            if (poisonedBy == null && current != null)
            {
                if (durable)
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
            pendingSync.clear();
            if (current != null)
            {
                current.file().close();
            }
            lock.close();
            acks.end(failure instanceof DurabilityException ? (DurabilityException)failure :
                DurabilityException.invalidState("WAL writer closed" + (failure == null ? "" : " after a failed barrier: " + failure),
                    options.walDir()), current == null ? 0 : current.nextEntryId() - 1);
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
