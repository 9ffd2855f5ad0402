package io.durability.replication.ratis;

import io.durability.checkpoint.CheckpointFile;
import io.durability.internal.CrashPoints;
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
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;

import java.io.File;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
 *   <li><b>Snapshot</b>: the checkpoint file plus the WAL's segment files, relative to this folder;
 *   a follower Ratis sends them to (its log is behind the leader's first index) rebuilds its WAL
 *   from the entries the checkpoint covers (see {@link #reinitialize()}), then Ratis sends it the
 *   rest.</li>
 * </ul>
 *
 * <p>Layout of the folder: {@code wal/} (segments), {@code checkpoints/checkpoint-<raft index>.chk}.
 */
public final class WalStateMachine extends BaseStateMachine
{
    static final String CHECKPOINT_DIR = "checkpoints";
    static final String RECEIVED_WAL_DIR = "received-wal";
    /** Present while the folder is this replica's own (written by {@link #pause()}); an installed snapshot replaces the folder without it. */
    static final String OWN_MARKER = ".own";
    /**
     * Crash point (armed with {@code -Ddurability.crashpoint=replica.apply.midBatch}): an append of a
     * batch is in the WAL, the batch's next ones are not.
     */
    static final String CRASH_APPLY_MID_BATCH = "replica.apply.midBatch";
    /** Checkpoints kept: the newest and the one before it (a leader may still be sending it). */
    private static final int CHECKPOINTS_KEPT = 2;

    private final Path root;
    private final Path installTmp;
    private final WalOptions walOptions;
    private final MmapOptions mmapOptions;
    private final Storage storage = new Storage();

    private MmapDirectory directory;
    private WalWriter<ReplicatedEntry> wal;
    private ReplicaState state = new ReplicaState();
    private volatile String latestCheckpoint;
    private volatile TermIndex latestSnapshot;
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
    }

    @Override
    public synchronized void pause()
    {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING)
        {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            closeWal();
            try
            {
                Files.writeString(root.resolve(OWN_MARKER), "this folder is the replica's own; an installed snapshot replaces it");
            }
            catch (final IOException ex)
            {
                throw DurabilityException.io("cannot mark the replica folder before a snapshot install", OWN_MARKER, ex);
            }
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * After Ratis installed a snapshot from the leader (the folder now holds the leader's checkpoint
     * and a copy of its WAL segments): keep the entries the checkpoint covers, in a new WAL, made
     * durable; the copy's entries after them (the leader's live tail, possibly torn) are dropped and
     * come again from the Raft log. Without an install (the folder is still this replica's own) it
     * just reopens.
     */
    @Override
    public synchronized void reinitialize() throws IOException
    {
        final Path marker = root.resolve(OWN_MARKER);
        if (Files.exists(marker))
        {
            Files.delete(marker);
        }
        else
        {
            rebuildFromInstalledSnapshot();
        }
        open();
        // Ratis goes on from the installed snapshot's index (or, without an install, from where it paused).
        handedOver = Math.max(handedOver, state.lastIndex());
        if (getLifeCycleState() == LifeCycle.State.PAUSED)
        {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public synchronized void close()
    {
        closeWal();
    }

    private synchronized void open() throws IOException
    {
        Files.createDirectories(root);
        if (Files.exists(root.resolve(RECEIVED_WAL_DIR)))
        {
            // The member stopped while it rebuilt its WAL from an installed snapshot: finish that first.
            rebuildFromInstalledSnapshot();
        }
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

    /**
     * Rebuild the WAL from an installed snapshot's copy. Restartable: the copy is first renamed to
     * {@link #RECEIVED_WAL_DIR} (one atomic rename) and deleted only once the rebuilt WAL is durable, so
     * a member that dies in between finds the copy on its next start ({@link #open}) and rebuilds again
     * from it, the half-built WAL dropped.
     */
    private void rebuildFromInstalledSnapshot() throws IOException
    {
        final Path walFolder = root.resolve(walOptions.walDir());
        final Path received = root.resolve(RECEIVED_WAL_DIR);
        if (!Files.exists(received))
        {
            if (Files.exists(walFolder))
            {
                Files.move(walFolder, received, StandardCopyOption.ATOMIC_MOVE);
            }
            else
            {
                Files.createDirectories(received);
            }
        }
        else if (Files.exists(walFolder))
        {
            // A rebuild was interrupted: its WAL is partial, the copy is whole.
            deleteTree(walFolder);
        }
        directory = MmapDirectory.open(root, mmapOptions);
        try
        {
            final String newest = newestCheckpoint();
            if (newest == null)
            {
                throw DurabilityException.invalidState("an installed snapshot holds no checkpoint", CHECKPOINT_DIR);
            }
            final long covered = CheckpointFile.read(directory, newest, ReplicaState.CODEC).state().lastEntryId();
            final long[] copied = {0};
            try (WalWriter<ReplicatedEntry> rebuilt = WalWriter.create(directory, ReplicatedEntry.CODEC, walOptions))
            {
                try
                {
                    new WalReader<>(directory, ReplicatedEntry.CODEC, walOptions.withWalDir(RECEIVED_WAL_DIR))
                        .replayFrames(ReplayMode.BEST_EFFORT, (id, buffer, offset, length) ->
                        {
                            if (id <= covered)
                            {
                                if (id != copied[0] + 1)
                                {
                                    throw DurabilityException.invalidState("the installed WAL copy does not start at entry 1" +
                                        " or skips an entry: entry " + id + " after " + copied[0], RECEIVED_WAL_DIR);
                                }
                                try (WalClaim claim = rebuilt.claim(length))
                                {
                                    claim.buffer().putBytes(0, buffer, offset, length);
                                    claim.commit(length);
                                }
                                copied[0] = id;
                            }
                        });
                }
                catch (final DurabilityException ex)
                {
                    // The copy of the leader's last segment was read while the leader appended to it: its
                    // tail after the checkpoint may read as damage. Only the covered entries matter.
                    if (copied[0] < covered)
                    {
                        throw ex.withNote("; the installed snapshot's WAL copy ends at entry " + copied[0] +
                            " before its checkpoint's entry " + covered);
                    }
                }
                if (copied[0] < covered)
                {
                    throw DurabilityException.invalidState("the installed snapshot's WAL copy ends at entry " + copied[0] +
                        " before its checkpoint's entry " + covered, RECEIVED_WAL_DIR);
                }
                rebuilt.flushAndSync();
            }
        }
        finally
        {
            directory.close();
            directory = null;
        }
        deleteTree(received);
    }

    private static void deleteTree(final Path path) throws IOException
    {
        try (var walk = Files.walk(path))
        {
            for (final Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
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
            final String problem = ReplicatedBatch.problem(new UnsafeBuffer(content.toByteArray()), size);
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
        // One copy out of the Raft entry (a ByteString may be a slice or a rope); the claims below are the other.
        final UnsafeBuffer in = new UnsafeBuffer(data.toByteArray());
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
        return state.lastIndex();
    }

    @Override
    public StateMachineStorage getStateMachineStorage()
    {
        return storage;
    }

    /**
     * The files of the snapshot whose checkpoint is {@code checkpoint}: that checkpoint and every WAL
     * segment file (which hold at least the entries it covers: the WAL was synced before it was written).
     */
    static List<FileInfo> snapshotFiles(final Path root, final String walDir, final String checkpoint)
    {
        final List<FileInfo> files = new ArrayList<>();
        files.add(new FileInfo(root.resolve(checkpoint), null));
        final File[] segments = root.resolve(walDir).toFile().listFiles((d, name) -> segmentNumber(name) > 0);
        if (segments != null)
        {
            java.util.Arrays.sort(segments, java.util.Comparator.comparingLong((File f) -> segmentNumber(f.getName())));
            for (final File segment : segments)
            {
                files.add(new FileInfo(segment.toPath(), null));
            }
        }
        return List.copyOf(files);
    }

    /** @return N of {@code wal-N.seg}, or -1 for another name. */
    private static long segmentNumber(final String name)
    {
        if (!name.startsWith("wal-") || !name.endsWith(".seg"))
        {
            return -1;
        }
        try
        {
            return Long.parseLong(name.substring(4, name.length() - 4));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /** The snapshot storage: the newest checkpoint and the WAL's segment files, all under {@link #root()}. */
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

                private List<FileInfo> files;

                /**
                 * Listed once per snapshot object, in segment order: Ratis's sender asks for the list
                 * again for every chunk and indexes into it, so a list that grows while the WAL rolls
                 * would shift under it and skip segments (it did: a member received a WAL with holes).
                 */
                @Override
                public synchronized List<FileInfo> getFiles()
                {
                    if (files == null)
                    {
                        files = snapshotFiles(root, walOptions.walDir(), checkpoint);
                    }
                    return files;
                }

                @Override
                public String toString()
                {
                    return "WAL snapshot " + termIndex + ": " + checkpoint + " and the WAL segments";
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
