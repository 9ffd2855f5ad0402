package io.durability.replication.ratis;

import io.durability.checkpoint.CheckpointFile;
import io.durability.testhook.CrashPoints;
import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalClaim;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Ratis state machine of a replica: its durable state is a durability WAL (entries) plus
 * durability checkpoints ({@link ReplicaState}), in a folder of its own on an {@link MmapDirectory}.
 *
 * <ul>
 *   <li><b>Apply</b>: each committed user entry of the Raft log (a writer's batch of appends,
 *   {@code ReplicatedBatch}) is applied in log order as one step: each of its appends is written to
 *   the local WAL (header {@link ReplicatedEntry} + payload) under the next WAL id, unless its
 *   (writer, sequence) was written before (answered with its first id), the writer already had its
 *   answer (refused) or a later sequence of the writer is already written (refused: out of order).
 *   The state ({@link ReplicaState}) changes only with written entries, so it is a function of the
 *   WAL. Configuration and metadata entries only move the last applied index.</li>
 *   <li><b>Restart</b>: the last applied Raft index is that of the WAL's last entry that ends its Raft
 *   entry ({@link ReplicatedEntry} counts the appends after each); a Raft entry only partly in the WAL
 *   is applied again, and its appends already written are recognized, never written twice.</li>
 *   <li><b>Durability</b>: the WAL is not synced per entry: Ratis fsyncs its own log before an entry
 *   counts toward a commit, and re-applies from it after a restart. {@link #takeSnapshot} syncs the
 *   WAL and then writes a checkpoint durably, so whatever Ratis purges after a snapshot is in a
 *   durable WAL.</li>
 *   <li><b>Snapshot</b>: a checkpoint of the state at a Raft index (the WAL synced first). Ratis
 *   purges its log up to it; it never sends it: a member whose next Raft entry the leader has purged
 *   <em>catches up</em> ({@link #notifyInstallSnapshotFromLeader}): it fetches the WAL entries after its
 *   own last one from a peer ({@code CatchUp}, docs/FORMAT.md), appends them and syncs; once Ratis has installed that
 *   position in its log it writes a checkpoint ({@link #reinitialize()}), and Ratis goes on from there. Nothing in its folder is replaced; what it fetched stays if it stops
 *   midway.</li>
 * </ul>
 *
 * <p>Layout of the folder: {@code wal/} (segments), {@code checkpoints/checkpoint-<raft index>.chk}, and
 * {@code .catching-up} while a catch-up runs.
 */
public final class WalStateMachine extends BaseStateMachine
{
    static final String CHECKPOINT_DIR = "checkpoints";
    /** Where builds before catch-up by entries received a snapshot's WAL copy (a folder holding it is refused). */
    static final String RECEIVED_WAL_DIR = "received-wal";
    /** Present in the replica's folder while it catches up from a peer (an operator's and the tests' sign). */
    static final String CATCHING_UP_MARKER = ".catching-up";
    /**
     * Crash point (armed with {@code -Ddurability.crashpoint=replica.catchUp.midChunk}): a catch-up wrote
     * some entries of a chunk to the WAL, not the rest.
     */
    static final String CRASH_CATCH_UP_MID_CHUNK = "replica.catchUp.midChunk";
    /**
     * Crash point (armed with {@code -Ddurability.crashpoint=replica.catchUp.reached}): a catch-up reached
     * its target and synced the WAL; Ratis has not been told yet.
     */
    static final String CRASH_CATCH_UP_REACHED = "replica.catchUp.reached";
    /**
     * Crash point ({@code -Ddurability.crashpoint=replica.catchUp.checkpointed}): Ratis installed a
     * catch-up's position and the checkpoint of it is written; Ratis's log may not reflect the install yet.
     */
    static final String CRASH_CATCH_UP_CHECKPOINTED = "replica.catchUp.checkpointed";
    /** A catch-up that makes no progress for this long fails; Ratis asks for another with its next notification. */
    private static final long CATCH_UP_STALL_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(WalStateMachine.class);
    /**
     * Crash point (armed with {@code -Ddurability.crashpoint=replica.apply.midBatch}): an append of a
     * batch is in the WAL, the batch's next ones are not.
     */
    static final String CRASH_APPLY_MID_BATCH = "replica.apply.midBatch";
    /** Checkpoints kept: the newest and the one before it (a leader may still be sending it). */
    private static final int CHECKPOINTS_KEPT = 2;

    private final Path root;
    private final Path installTmp;
    private final ExecutorService catchUpThread = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "replica-catch-up");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    private final AtomicLong caughtUpEntries = new AtomicLong();
    private final AtomicLong caughtUpBytes = new AtomicLong();
    private final AtomicLong catchUps = new AtomicLong();
    private final WalOptions walOptions;
    private final MmapOptions mmapOptions;
    private final Storage storage = new Storage();

    private MmapDirectory directory;
    private WalWriter<ReplicatedEntry> wal;
    private ReplicaState state = new ReplicaState();
    private volatile String latestCheckpoint;
    private volatile TermIndex latestSnapshot;
    /** A catch-up's position handed to Ratis and not yet installed ({@link #reinitialize()} checkpoints it); and its last entry id. */
    private TermIndex caughtUpTo;
    private long caughtUpLastEntryId;
    /** The highest Raft index Ratis has handed to this state machine in this life (applied or skipped). */
    private long handedOver;

    /**
     * @param root        the replica's folder (created if missing); it must not be shared.
     * @param walOptions  how the local WAL is segmented.
     * @param mmapOptions how its segments are mapped.
     */
    public WalStateMachine(final Path root, final WalOptions walOptions, final MmapOptions mmapOptions)
    {
        this.root = root.toAbsolutePath();
        this.installTmp = this.root.resolveSibling(this.root.getFileName() + ".install-tmp");
        this.walOptions = walOptions;
        this.mmapOptions = mmapOptions;
    }

    /** @return the replica's folder: open a {@code WalReader} or {@code WalTailer} on it to read its entries. */
    public Path root()
    {
        return root;
    }

    /** @return a copy of the replica's state (last applied Raft entry, last WAL id, retryable requests). */
    public synchronized ReplicaState state()
    {
        final byte[] bytes = new byte[(int)ReplicaState.CODEC.exactLength(state)];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        ReplicaState.CODEC.encode(state, buffer, 0, bytes.length);
        return ReplicaState.CODEC.decode(buffer, 0, bytes.length);
    }

    /**
     * @return how many entries this replica fetched from its peers by catching up (since it started),
     * how many bytes they held, and how many catch-ups completed: {@code {entries, bytes, catchUps}}.
     */
    public long[] catchUpCounts()
    {
        return new long[] {caughtUpEntries.get(), caughtUpBytes.get(), catchUps.get()};
    }

    /** @return the id of the last entry written to the local WAL (0 before any). */
    public synchronized long lastEntryId()
    {
        return state.lastEntryId();
    }

    // ------------------------------------------------------------------------------------------ life cycle

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage raftStorage)
        throws IOException
    {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(this::open);
        dropRaftLogCoveredByCheckpoint(raftStorage);
    }

    /**
     * Before Ratis loads its log: an open (in-progress) log segment whose entries all lie at or below
     * this member's newest checkpoint is deleted, as Ratis's purge would have. A member can find one at
     * a start after it died between a catch-up's checkpoint and Ratis's own bookkeeping of the install;
     * Ratis 3.2.2 then keeps that segment open (its start-up purge removes only closed segments) and
     * appends the entries after the checkpoint to it, after its old last entry: a gap that fails the
     * member at every start after ("gap between entries"; the 30-minute nemesis found it). Entries at or
     * below the checkpoint are committed and in the WAL; nothing beyond it is touched.
     */
    private void dropRaftLogCoveredByCheckpoint(final RaftStorage raftStorage) throws IOException
    {
        final TermIndex checkpoint = latestSnapshot;
        if (checkpoint == null)
        {
            return;
        }
        for (final LogSegmentPath segment : LogSegmentPath.getLogSegmentPaths(raftStorage))
        {
            final String name = segment.getPath().getFileName().toString();
            if (!name.startsWith("log_inprogress_"))
            {
                continue;
            }
            final long start = Long.parseLong(name.substring("log_inprogress_".length()));
            if (start > checkpoint.getIndex())
            {
                continue;
            }
            final long[] last = {start - 1};
            LogSegment.readSegmentFile(segment.getPath().toFile(), segment.getStartEnd(), SizeInBytes.valueOf("128MB"),
                RaftServerConfigKeys.Log.CorruptionPolicy.WARN_AND_RETURN, null, entry -> last[0] = entry.getIndex());
            if (last[0] <= checkpoint.getIndex())
            {
                LOG.warn("{}: Raft log segment {} ends at {}, at or below the newest checkpoint {}: deleted before " +
                    "Ratis loads its log", root, name, last[0], checkpoint);
                Files.delete(segment.getPath());
            }
        }
    }

    @Override
    public synchronized void pause()
    {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING)
        {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            closeWal();
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * After a catch-up ({@link #notifyInstallSnapshotFromLeader}) Ratis installs its position in its
     * log, pauses the state machine and reloads it: the folder is still this replica's own (a catch-up
     * only appends to its WAL), so this reopens it, writes the checkpoint of the catch-up's position,
     * and Ratis goes on from there.
     */
    @Override
    public synchronized void reinitialize() throws IOException
    {
        open();
        if (caughtUpTo != null)
        {
            // Ratis installed the catch-up's position: the WAL holds the same entries as when it was
            // reached (recovered from it now), and the state is the peer's at that position.
            if (state.lastEntryId() != caughtUpLastEntryId)
            {
                throw DurabilityException.invalidState("after the catch-up to " + caughtUpTo + " the WAL ends at entry " +
                    state.lastEntryId() + ", not " + caughtUpLastEntryId, walOptions.walDir());
            }
            state.advance(caughtUpTo.getTerm(), caughtUpTo.getIndex());
            setLastAppliedTermIndex(caughtUpTo);
            checkpointNow();
            caughtUpTo = null;
            CrashPoints.hit(CRASH_CATCH_UP_CHECKPOINTED);
        }
        // Ratis goes on from the checkpoint's index (or, without a catch-up, from where it paused).
        handedOver = Math.max(handedOver, state.lastIndex());
        if (getLifeCycleState() == LifeCycle.State.PAUSED)
        {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public void close()
    {
        closed = true;
        catchUpThread.shutdownNow();
        synchronized (this)
        {
            closeWal();
        }
    }

    private synchronized void open() throws IOException
    {
        Files.createDirectories(root);
        if (Files.exists(root.resolve(RECEIVED_WAL_DIR)))
        {
            // Builds before catch-up by entries received whole snapshots there: one stopped mid-rebuild.
            throw DurabilityException.invalidState("the replica's folder holds a snapshot copy that an earlier " +
                "build stopped rebuilding from; this build catches up by entries instead: move the member's folder " +
                "aside and start it empty, it fetches every entry from its peers", RECEIVED_WAL_DIR);
        }
        // A marker left by a catch-up that died with the member; the next catch-up puts it back while it runs.
        Files.deleteIfExists(root.resolve(CATCHING_UP_MARKER));
        directory = MmapDirectory.open(root, mmapOptions);
        try
        {
            wal = WalWriter.resume(directory, ReplicatedEntry.CODEC, walOptions);
            state = recoverState();
        }
        catch (final RuntimeException ex)
        {
            closeWal();
            throw ex;
        }
        if (state.lastIndex() > 0)
        {
            setLastAppliedTermIndex(TermIndex.valueOf(state.lastTerm(), state.lastIndex()));
        }
    }

    private void closeWal()
    {
        try
        {
            if (wal != null)
            {
                wal.close();
            }
        }
        finally
        {
            wal = null;
            if (directory != null)
            {
                directory.close();
                directory = null;
            }
        }
    }

    /** The newest checkpoint's state, plus every WAL entry after it. */
    private ReplicaState recoverState()
    {
        final String newest = newestCheckpoint();
        final ReplicaState recovered = newest == null ? new ReplicaState() :
            CheckpointFile.read(directory, newest, ReplicaState.CODEC).state();
        latestCheckpoint = newest;
        latestSnapshot = newest == null ? null : TermIndex.valueOf(recovered.lastTerm(), recovered.lastIndex());
        if (wal.lastEntryId() < recovered.lastEntryId())
        {
            throw DurabilityException.invalidState("the replica's WAL ends at entry " + wal.lastEntryId() +
                " but its checkpoint covers entries up to " + recovered.lastEntryId() +
                " (the WAL is synced before every checkpoint: the folder was damaged or mixed)", newest);
        }
        // The Raft position moves with the last entry of each Raft entry (no entries after it in its
        // batch): a WAL that ends inside a batch (the member stopped while applying it) leaves that Raft
        // entry to be applied again, and its appends already written are then answered as duplicates.
        new WalReader<>(directory, ReplicatedEntry.CODEC, walOptions).replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
        {
            if (id > recovered.lastEntryId())
            {
                ReplicatedEntry.check(buffer, offset, length);
                recovered.recordEntry(id, ReplicatedEntry.clientId(buffer, offset), ReplicatedEntry.sequence(buffer, offset),
                    ReplicatedEntry.ackedThrough(buffer, offset));
                if (ReplicatedEntry.afterInBatch(buffer, offset) == 0)
                {
                    recovered.advance(ReplicatedEntry.term(buffer, offset), ReplicatedEntry.index(buffer, offset));
                }
            }
        });
        return recovered;
    }

    private String newestCheckpoint()
    {
        final List<String> names = checkpointNames();
        return names.isEmpty() ? null : CHECKPOINT_DIR + "/" + names.get(names.size() - 1);
    }

    /** Checkpoint file names, oldest first (the fixed-width index in the name sorts them). */
    private List<String> checkpointNames()
    {
        final List<String> names = new ArrayList<>();
        for (final String name : directory.list(CHECKPOINT_DIR))
        {
            if (name.startsWith("checkpoint-") && name.endsWith(".chk"))
            {
                names.add(name);
            }
        }
        return names;
    }

    // ------------------------------------------------------------------------------------------ apply

    /**
     * Refuses, before it reaches the Raft log, a request that is not a {@link ReplicatedEntry} header
     * and payload: the client gets a {@code StateMachineException} saying so (not retried).
     */
    @Override
    public TransactionContext startTransaction(final RaftClientRequest request) throws IOException
    {
        final TransactionContext trx = super.startTransaction(request);
        final ByteString content = request.getMessage().getContent();
        final int size = content.size();
        final int first = size >= 4 ? content.substring(0, 4).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt() : 0;
        if (ReplicatedBatch.isBatch(size, first))
        {
            final String problem = ReplicatedBatch.problem(view(content), size);
            if (problem != null)
            {
                trx.setException(new StateMachineException("malformed batch request: " + problem));
            }
        }
        else if (size < ReplicatedEntry.HEADER_LENGTH || first < ReplicatedEntry.OLDEST_READABLE_VERSION ||
            first > ReplicatedEntry.VERSION)
        {
            trx.setException(new StateMachineException("not a replicated entry: " + size + " bytes; expected a batch " +
                "request or a " + ReplicatedEntry.HEADER_LENGTH + "-byte ReplicatedEntry header (version " +
                ReplicatedEntry.OLDEST_READABLE_VERSION + ".." + ReplicatedEntry.VERSION + ") and the payload: append through ReplicatedWal"));
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
    {
        final LogEntryProto entry = trx.getLogEntry();
        final ByteString data = entry.getStateMachineLogEntry().getLogData();
        try
        {
            return CompletableFuture.completedFuture(apply(entry.getTerm(), entry.getIndex(), data));
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private synchronized Message apply(final long term, final long index, final ByteString data)
    {
        handedOver = Math.max(handedOver, index);
        // After a restart Ratis re-applies from its snapshot index: what the WAL already holds is not
        // written again, but it is answered as it was (Ratis's retry cache may hand this reply to a writer's
        // retry of the request, so it must carry the appends' ids).
        final boolean applied = index <= state.lastIndex();
        // The claims below copy each payload out of the Raft entry, once.
        final UnsafeBuffer in = view(data);
        final int length = in.capacity();
        final int first = length >= 4 ? in.getInt(0) : 0;
        final Message reply;
        if (ReplicatedBatch.isBatch(length, first) && ReplicatedBatch.problem(in, length) == null)
        {
            final int count = ReplicatedBatch.count(in);
            final long clientId = ReplicatedBatch.writerId(in);
            final long ackedThrough = ReplicatedBatch.ackedThrough(in);
            final UnsafeBuffer out = ReplicatedBatch.newReply(count);
            int p = ReplicatedBatch.HEADER_LENGTH;
            for (int i = 0; i < count; i++)
            {
                final long sequence = ReplicatedBatch.sequence(in, p);
                final int payload = ReplicatedBatch.payloadLength(in, p);
                final long outcome = applied ? answerApplied(clientId, sequence) :
                    applyOne(term, index, count - 1 - i, clientId, sequence, ackedThrough, in, ReplicatedBatch.payloadOffset(p), payload);
                ReplicatedBatch.putOutcome(out, i, outcome >>> 8, (byte)(outcome & 0xFF));
                p = ReplicatedBatch.next(in, p);
                if (i < count - 1 && (outcome & 0xFF) == Reply.WRITTEN)
                {
                    CrashPoints.hit(CRASH_APPLY_MID_BATCH);
                }
            }
            reply = Message.valueOf(ByteString.copyFrom(out.byteArray()));
        }
        else if (!ReplicatedBatch.isBatch(length, first) && length >= ReplicatedEntry.HEADER_LENGTH &&
            first >= ReplicatedEntry.OLDEST_READABLE_VERSION && first <= ReplicatedEntry.VERSION)
        {
            // One append in the entry layout, as writers of version 0.1 sent it (and a Raft log of theirs holds).
            final long outcome = applied ? answerApplied(ReplicatedEntry.clientId(in, 0), ReplicatedEntry.sequence(in, 0)) :
                applyOne(term, index, 0, ReplicatedEntry.clientId(in, 0), ReplicatedEntry.sequence(in, 0),
                    ReplicatedEntry.ackedThrough(in, 0), in, ReplicatedEntry.HEADER_LENGTH, length - ReplicatedEntry.HEADER_LENGTH);
            reply = Reply.message(outcome >>> 8, (byte)(outcome & 0xFF));
        }
        else
        {
            // startTransaction refuses these on the leader; a replica stays in step with the others anyway.
            reply = Reply.message(0, applied ? Reply.ALREADY_APPLIED : Reply.REFUSED);
        }
        if (applied)
        {
            return reply;
        }
        state.advance(term, index);
        updateLastAppliedTermIndex(term, index);
        return reply;
    }

    /**
     * @return the bytes of {@code data} without a copy when they sit in one heap array (a literal or a
     * slice of one, which is what a decoded Raft entry holds); a copy when they do not (a rope, or
     * off-heap memory Ratis may release after the call).
     */
    static UnsafeBuffer view(final ByteString data)
    {
        final java.nio.ByteBuffer b = data.asReadOnlyByteBuffer();
        if (b.isDirect() || b.remaining() != data.size())
        {
            return new UnsafeBuffer(data.toByteArray());
        }
        return new UnsafeBuffer(b, b.position(), b.remaining());
    }

    /**
     * The answer to an append of a Raft entry this replica applied before (re-applied after a restart):
     * its id when the state still knows it, else refused (already answered, or out of order).
     *
     * @return {@code entryId << 8 | outcome}.
     */
    private long answerApplied(final long clientId, final long sequence)
    {
        final long known = state.idOf(clientId, sequence);
        if (known > 0)
        {
            return known << 8 | Reply.DUPLICATE;
        }
        return known == 0 || sequence >= state.highestSequence(clientId) ? Reply.REFUSED : Reply.OUT_OF_ORDER;
    }

    /**
     * Apply one append of a Raft entry: write it under the next WAL id unless its (writer, sequence) is
     * known (a duplicate: its first id), already acknowledged by the writer (refused) or below a
     * sequence of the writer already written (out of order: refused, so a writer's entries are in the
     * WAL in the order of its sequences). Only a write changes the state.
     *
     * @return {@code entryId << 8 | outcome}.
     */
    private long applyOne(
        final long term, final long index, final int afterInBatch, final long clientId, final long sequence,
        final long ackedThrough, final DirectBuffer in, final int payloadOffset, final int payloadLength)
    {
        final long known = state.idOf(clientId, sequence);
        if (known > 0)
        {
            return known << 8 | Reply.DUPLICATE;
        }
        if (known == 0)
        {
            return Reply.REFUSED;
        }
        if (sequence < state.highestSequence(clientId))
        {
            return Reply.OUT_OF_ORDER;
        }
        final int length = ReplicatedEntry.HEADER_LENGTH + payloadLength;
        final long id;
        try (WalClaim claim = wal.claim(length))
        {
            ReplicatedEntry.writeHeader(claim.buffer(), 0, term, index, afterInBatch, clientId, sequence, ackedThrough);
            claim.buffer().putBytes(ReplicatedEntry.HEADER_LENGTH, in, payloadOffset, payloadLength);
            id = claim.commit(length);
        }
        state.recordEntry(id, clientId, sequence, ackedThrough);
        return id << 8 | Reply.WRITTEN;
    }

    @Override
    public synchronized void notifyTermIndexUpdated(final long term, final long index)
    {
        handedOver = Math.max(handedOver, index);
        if (index > state.lastIndex())
        {
            state.advance(term, index);
            super.notifyTermIndexUpdated(term, index);
        }
    }

    // ------------------------------------------------------------------------------------------ catch-up

    /**
     * Serves a peer's catch-up request ({@code CatchUp}, docs/FORMAT.md): this replica's WAL entries from the id asked
     * for, through its last entry when the request came. Other queries are refused.
     */
    @Override
    public CompletableFuture<Message> query(final Message request)
    {
        final ByteString content = request.getContent();
        if (!CatchUp.isRequest(content))
        {
            return CompletableFuture.failedFuture(new StateMachineException("unknown query: " + content.size() +
                " bytes; the only query a replica answers is a catch-up request"));
        }
        final long lastEntryId;
        final long lastTerm;
        final long lastIndex;
        synchronized (this)
        {
            if (wal == null)
            {
                return CompletableFuture.failedFuture(new StateMachineException("the replica is not running (paused or closed)"));
            }
            lastEntryId = state.lastEntryId();
            lastTerm = state.lastTerm();
            lastIndex = state.lastIndex();
        }
        // Read through a directory of its own, as a tailer: the writer goes on applying meanwhile.
        try (MmapDirectory reading = MmapDirectory.open(root, mmapOptions))
        {
            return CompletableFuture.completedFuture(Message.valueOf(CatchUp.serve(reading, walOptions,
                CatchUp.requestedFrom(content), CatchUp.requestedBytes(content), lastEntryId, lastTerm, lastIndex)));
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(new StateMachineException(ex.toString()));
        }
    }

    /**
     * The leader no longer has the Raft entries after this replica's last one (it purged them after a
     * snapshot): fetch the WAL entries this replica lacks from a peer (the leader first), append them
     * to the local WAL as they are, sync it, and answer the Raft position it covers; Ratis then installs
     * that position in its log and reloads the state machine ({@link #reinitialize()}, which writes the
     * checkpoint), and goes on from there with its log.
     *
     * <p>Only entries after this replica's last one travel, in chunks of {@code CatchUp.CHUNK_BYTES} (4 MiB);
     * each chunk is checked (consecutive ids, readable headers) before any of it is written, and nothing
     * this replica has is replaced. A replica stopped in the middle keeps what it appended (its WAL is
     * recovered as after any crash) and fetches the rest at the next notification.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(
        final RoleInfoProto roleInfo, final TermIndex firstTermIndexInLog)
    {
        final String leader = roleInfo.hasFollowerInfo() && roleInfo.getFollowerInfo().hasLeaderInfo() ?
            roleInfo.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8() : null;
        final long target = firstTermIndexInLog.getIndex() - 1;
        try
        {
            return CompletableFuture.supplyAsync(() -> catchUp(leader, target), catchUpThread);
        }
        catch (final RejectedExecutionException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private TermIndex catchUp(final String leader, final long target)
    {
        final RaftServer server = getServer().join();
        final RaftGroup group;
        try
        {
            group = server.getDivision(getGroupId()).getGroup();
        }
        catch (final IOException ex)
        {
            throw DurabilityException.io("cannot read the replica's group to catch up", null, ex);
        }
        final List<RaftPeer> peers = new ArrayList<>();
        for (final RaftPeer peer : group.getPeers())
        {
            if (!peer.getId().equals(server.getId()))
            {
                peers.add(leader != null && peer.getId().toString().equals(leader) ? 0 : peers.size(), peer);
            }
        }
        final Path marker = root.resolve(CATCHING_UP_MARKER);
        final RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
            TimeDuration.valueOf(15, TimeUnit.SECONDS));
        try (RaftClient client = RaftClient.newBuilder()
            .setProperties(properties).setRaftGroup(group)
            .setRetryPolicy(RetryPolicies.noRetry()).build())
        {
            Files.writeString(marker, "catching up to Raft index " + target + " from " + peers);
            long lastProgress = System.nanoTime();
            int next = 0;
            while (!closed)
            {
                final RaftPeer peer = peers.get(next % peers.size());
                final long from = lastEntryId() + 1;
                try
                {
                    final RaftClientReply reply =
                        client.io().sendStaleRead(CatchUp.request(from, CatchUp.CHUNK_BYTES), 0, peer.getId());
                    if (!reply.isSuccess())
                    {
                        throw reply.getException() != null ? reply.getException() : new IOException("no reply");
                    }
                    final CatchUp.Reply chunk = CatchUp.Reply.parse(peer.getId().toString(), reply.getMessage().getContent(), from);
                    final TermIndex reached = appendCaughtUp(chunk, from, target);
                    if (chunk.count() > 0)
                    {
                        lastProgress = System.nanoTime();
                    }
                    if (reached != null)
                    {
                        awaitRaftLogWritten(server);
                        catchUps.incrementAndGet();
                        return reached;
                    }
                    if (chunk.count() > 0)
                    {
                        continue;
                    }
                    // This peer has nothing more and is not at the target yet: ask the next one.
                }
                catch (final IOException | RuntimeException ex)
                {
                    LOG.info("{}: catch-up from {} at entry {} failed: {}", server.getId(), peer.getId(), from, ex.toString());
                }
                if (System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(CATCH_UP_STALL_MILLIS))
                {
                    throw DurabilityException.invalidState("catch-up to Raft index " + target + " made no progress for " +
                        CATCH_UP_STALL_MILLIS + " ms (last entry " + lastEntryId() + "); Ratis asks again", CATCHING_UP_MARKER);
                }
                next++;
                if (next % peers.size() == 0)
                {
                    Thread.sleep(200);
                }
            }
            throw DurabilityException.invalidState("the replica closed while it caught up", CATCHING_UP_MARKER);
        }
        catch (final IOException ex)
        {
            throw DurabilityException.io("catch-up failed", CATCHING_UP_MARKER, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw DurabilityException.invalidState("catch-up interrupted (the replica is closing)", CATCHING_UP_MARKER);
        }
        finally
        {
            try
            {
                Files.deleteIfExists(marker);
            }
            catch (final IOException ignored)
            {
                // Only a sign for operators and tests.
            }
        }
    }

    /**
     * Before the catch-up's position goes to Ratis: wait until this member's Raft log has written every
     * entry it accepted before the notification. Ratis 3.2.2 installs the position
     * ({@code SegmentedRaftLog.onSnapshotInstalled}) by clearing its log worker's queue, and closes the
     * open segment only when its cached entries end at or below the position: a write still queued then
     * would be lost while the segment stays open, and the next entries would land after a hole. Appends
     * are refused while the install is in progress, so once the queue is written it stays empty. (A guard
     * read from Ratis's code; no run has shown this case.)
     */
    private void awaitRaftLogWritten(final RaftServer server) throws IOException, InterruptedException
    {
        final RaftLog log = server.getDivision(getGroupId()).getRaftLog();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_STALL_MILLIS);
        while (true)
        {
            final TermIndex last = log.getLastEntryTermIndex();
            if (last == null || log.getFlushIndex() >= last.getIndex())
            {
                return;
            }
            if (closed || System.nanoTime() - deadline > 0)
            {
                throw DurabilityException.invalidState("the Raft log did not write its entries up to " + last.getIndex() +
                    " (written: " + log.getFlushIndex() + ") before the catch-up could be handed to Ratis; it asks again",
                    CATCHING_UP_MARKER);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Append a checked chunk's entries that this replica lacks (a local apply may have written some
     * meanwhile: the same entries, applied from the same Raft entries), as {@link #apply} would have.
     * Once the WAL holds every entry the peer had, this replica is where the peer was: at its Raft
     * position. At or past {@code target}, the WAL is synced ({@link #caughtUp()}).
     *
     * @return the Raft position reached when it is at least {@code target}, else {@code null}.
     */
    private synchronized TermIndex appendCaughtUp(final CatchUp.Reply chunk, final long from, final long target)
    {
        if (wal == null)
        {
            throw DurabilityException.invalidState("the replica closed while it caught up", CATCHING_UP_MARKER);
        }
        final int[] written = {0};
        chunk.forEach((id, buffer, offset, length) ->
        {
            if (id <= state.lastEntryId())
            {
                return;
            }
            if (id != state.lastEntryId() + 1)
            {
                throw DurabilityException.invalidState("catch-up entry " + id + " does not follow the WAL's last entry " +
                    state.lastEntryId(), CATCHING_UP_MARKER);
            }
            if (written[0] == 1)
            {
                CrashPoints.hit(CRASH_CATCH_UP_MID_CHUNK);
            }
            final long writtenId;
            try (WalClaim claim = wal.claim(length))
            {
                claim.buffer().putBytes(0, buffer, offset, length);
                writtenId = claim.commit(length);
            }
            if (writtenId != id)
            {
                throw DurabilityException.invalidState("catch-up wrote entry " + id + " under id " + writtenId, CATCHING_UP_MARKER);
            }
            state.recordEntry(id, ReplicatedEntry.clientId(buffer, offset), ReplicatedEntry.sequence(buffer, offset),
                ReplicatedEntry.ackedThrough(buffer, offset));
            if (ReplicatedEntry.afterInBatch(buffer, offset) == 0)
            {
                advanceTo(ReplicatedEntry.term(buffer, offset), ReplicatedEntry.index(buffer, offset));
            }
            written[0]++;
            caughtUpEntries.incrementAndGet();
            caughtUpBytes.addAndGet(length);
        });
        if (state.lastEntryId() == chunk.lastEntryId())
        {
            // The same entries as the peer: the same state as the peer had at its applied position.
            advanceTo(chunk.lastTerm(), chunk.lastIndex());
        }
        if (state.lastIndex() < target)
        {
            return null;
        }
        return caughtUp();
    }

    /**
     * The catch-up reached its target: the WAL made durable (Ratis purges its log up to the position
     * it is given, so the entries fetched must survive without it), and the position remembered for
     * {@link #reinitialize()}. No checkpoint yet: a checkpoint beyond the end of this member's Raft log,
     * found at a restart before Ratis recorded the install, makes Ratis 3.2.2 append the next entries
     * after its old last one ("gap between entries", at every start after; the 30-minute nemesis found
     * it). The checkpoint is written once Ratis has installed the position and reloads.
     */
    private TermIndex caughtUp()
    {
        wal.flushAndSync();
        wal.syncWatermark();
        caughtUpTo = TermIndex.valueOf(state.lastTerm(), state.lastIndex());
        caughtUpLastEntryId = state.lastEntryId();
        CrashPoints.hit(CRASH_CATCH_UP_REACHED);
        return caughtUpTo;
    }

    private void advanceTo(final long term, final long index)
    {
        if (index > state.lastIndex())
        {
            state.advance(term, index);
            updateLastAppliedTermIndex(term, index);
        }
    }

    // ------------------------------------------------------------------------------------------ snapshots

    /**
     * Sync the WAL (and its exact watermark), then write the checkpoint of the state durably; Ratis
     * may then purge its log up to the returned index.
     */
    @Override
    public synchronized long takeSnapshot()
    {
        if (wal == null || state.lastIndex() <= 0 || handedOver < state.lastIndex())
        {
            // Still re-applying after a restart: Ratis refuses a snapshot beyond the index it has handed over.
            return RaftLog.INVALID_LOG_INDEX;
        }
        if (latestSnapshot != null && latestSnapshot.getIndex() == state.lastIndex())
        {
            return state.lastIndex();
        }
        checkpointNow();
        return state.lastIndex();
    }

    /** Sync the WAL (and its exact watermark), then write the checkpoint of the state durably; keep the newest two. */
    private void checkpointNow()
    {
        wal.flushAndSync();
        wal.syncWatermark();
        final String path = CHECKPOINT_DIR + "/" + String.format("checkpoint-%020d.chk", state.lastIndex());
        directory.createDirectories(CHECKPOINT_DIR);
        CheckpointFile.writeDurable(directory, path, state.lastEntryId(), state, ReplicaState.CODEC);
        latestCheckpoint = path;
        latestSnapshot = TermIndex.valueOf(state.lastTerm(), state.lastIndex());
        final List<String> names = checkpointNames();
        for (int i = 0; i < names.size() - CHECKPOINTS_KEPT; i++)
        {
            directory.delete(CHECKPOINT_DIR + "/" + names.get(i));
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage()
    {
        return storage;
    }

    /** The snapshot storage: the newest checkpoint, under {@link #root()}. */
    private final class Storage implements StateMachineStorage
    {
        @Override
        public void init(final RaftStorage raftStorage)
        {
        }

        @Override
        public SnapshotInfo getLatestSnapshot()
        {
            final TermIndex termIndex = latestSnapshot;
            final String checkpoint = latestCheckpoint;
            if (termIndex == null || checkpoint == null)
            {
                return null;
            }
            // Ratis asks for the files only when it sends the snapshot: list the segments then, not on every call.
            return new SnapshotInfo()
            {
                @Override
                public TermIndex getTermIndex()
                {
                    return termIndex;
                }

                /**
                 * The checkpoint only: the members run Ratis with snapshot sending off, and a member
                 * behind the leader's log fetches the WAL entries it lacks itself ({@link #notifyInstallSnapshotFromLeader}).
                 */
                @Override
                public List<FileInfo> getFiles()
                {
                    return List.of(new FileInfo(root.resolve(checkpoint), null));
                }

                @Override
                public String toString()
                {
                    return "WAL snapshot " + termIndex + ": " + checkpoint;
                }
            };
        }

        @Override
        public void format()
        {
        }

        @Override
        public void cleanupOldSnapshots(final SnapshotRetentionPolicy policy)
        {
            // takeSnapshot keeps the newest two checkpoints; WAL segments are the replica's entries, never deleted here.
        }

        @Override
        public File getSnapshotDir()
        {
            return root.toFile();
        }

        @Override
        public File getTmpDir()
        {
            return installTmp.toFile();
        }
    }

    /** The reply a state machine sends for an applied request: the WAL id and what was done. */
    static final class Reply
    {
        static final byte WRITTEN = 0;
        static final byte DUPLICATE = 1;
        static final byte ALREADY_APPLIED = 2;
        static final byte REFUSED = 3;
        static final byte OUT_OF_ORDER = 4;
        static final int LENGTH = 9;

        private Reply()
        {
        }

        static Message message(final long id, final byte outcome)
        {
            final byte[] bytes = new byte[LENGTH];
            final UnsafeBuffer b = new UnsafeBuffer(bytes);
            b.putLong(0, id);
            b.putByte(8, outcome);
            return Message.valueOf(ByteString.copyFrom(bytes));
        }

        static long id(final ByteString content)
        {
            return content.substring(0, 8).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        static byte outcome(final ByteString content)
        {
            return content.byteAt(8);
        }
    }
}
