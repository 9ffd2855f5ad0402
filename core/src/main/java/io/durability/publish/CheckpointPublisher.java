package io.durability.publish;

import io.durability.checkpoint.CheckpointDescriptor;
import io.durability.checkpoint.CheckpointFile;
import io.durability.codec.Codec;
import io.durability.testhook.CrashPoints;
import io.durability.recover.SegmentIndexCodec;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.RelativePath;
import io.durability.walog.WalEntry;
import io.durability.walog.WalWriter;

import java.util.function.BiFunction;

/**
 * Crash-safe checkpoint publish and WAL truncation, in the only safe order:
 * <ol>
 *   <li>write the checkpoint durably (temporary file, sync, rename, folder sync);</li>
 *   <li>append a marker naming it to the WAL and make the marker durable ({@code flushAndSync}), then
 *   record the exact durable watermark ({@link WalWriter#syncWatermark()}), so damage to the marker or
 *   any entry before it is corruption, never a torn tail;</li>
 *   <li>only then delete the WAL segments every entry of which the checkpoint covers.</li>
 * </ol>
 * A failure at any step is thrown and leaves recoverability intact: before step 2 completes, the
 * newest usable marker is an older one and the WAL still holds everything after it; a failure in
 * step 3 leaves extra segments. Nothing is deleted unless the marker is durable. A failed step 2
 * sync poisons the WAL writer (see {@link WalWriter#flushAndSync()}).
 *
 * <p>On a directory without stable storage ({@code MemoryDirectory}) the same steps run in the same
 * order with visibility only, and {@link PublishResult#durable()} says so.
 *
 * <p><b>Memory.</b> A publisher keeps the array it encoded the last checkpoint into and encodes the
 * next one into it when it fits (a codec that knows its {@link Codec#exactLength exact length}), so
 * it holds as much as the largest checkpoint it published; publishing then allocates no large array.
 * Not thread-safe (neither is the WAL writer it appends to).
 *
 * @param <C> the checkpoint state type.
 * @param <E> the WAL entry type.
 */
public final class CheckpointPublisher<C, E>
{
    private final Directory directory;
    private final WalWriter<E> wal;
    private final Codec<C> checkpointCodec;
    private final BiFunction<String, Long, E> markerFactory;
    private final String checkpointDir;
    /** The array the last checkpoint was encoded into, reused for the next. */
    private byte[] encoded;

    /**
     * @param directory       where checkpoints are written (the WAL's directory).
     * @param wal             the live WAL writer the markers go to.
     * @param checkpointCodec encodes the state (must be deterministic).
     * @param markerFactory   builds the marker entry from (checkpoint path, last entry id).
     * @param checkpointDir   folder for checkpoint files, relative to the directory root.
     */
    public CheckpointPublisher(
        final Directory directory,
        final WalWriter<E> wal,
        final Codec<C> checkpointCodec,
        final BiFunction<String, Long, E> markerFactory,
        final String checkpointDir)
    {
        this.directory = directory;
        this.wal = wal;
        this.checkpointCodec = checkpointCodec;
        this.markerFactory = markerFactory;
        this.checkpointDir = RelativePath.validate(checkpointDir);
    }

    /** A publisher for segment-index WALs: {@link WalEntry.Checkpoint} markers, checkpoints in {@code checkpoints/}. */
    public static CheckpointPublisher<SegmentIndexState, WalEntry> forSegmentIndex(
        final Directory directory, final WalWriter<WalEntry> wal)
    {
        return new CheckpointPublisher<>(directory, wal, SegmentIndexCodec.INSTANCE, WalEntry.Checkpoint::new,
            "checkpoints");
    }

    /** @return the checkpoint path used for a state that includes entries up to {@code lastEntryId}. */
    public String pathFor(final long lastEntryId)
    {
        return RelativePath.join(checkpointDir, String.format("checkpoint-%020d.chk", lastEntryId));
    }

    /**
     * Publish {@code state}, which includes every WAL entry up to {@code lastEntryId}, then truncate
     * the WAL segments it covers.
     *
     * @throws DurabilityException INVALID_CONFIG (lastEntryId beyond the WAL), ENCODE, IO, and
     *                             whatever the WAL writer throws; see the class comment for what each
     *                             failure leaves behind.
     */
    public PublishResult publish(final C state, final long lastEntryId)
    {
        if (lastEntryId < 0 || lastEntryId > wal.lastEntryId())
        {
            throw DurabilityException.invalidConfig(
                "a checkpoint cannot include entries the WAL does not have", "0.." + wal.lastEntryId(), lastEntryId);
        }
        final boolean durable = directory.supportsDurability();
        final String path = pathFor(lastEntryId);
        directory.createDirectories(checkpointDir);
        final CheckpointFile.Encoded checkpoint =
            CheckpointFile.encode(lastEntryId, state, checkpointCodec, CheckpointDescriptor.DEFAULT_MAX_PAYLOAD, encoded);
        encoded = checkpoint.bytes();
        if (durable)
        {
            directory.atomicWriteDurable(path, checkpoint.bytes(), checkpoint.length());
        }
        else
        {
            directory.atomicWrite(path, java.util.Arrays.copyOf(checkpoint.bytes(), checkpoint.length()));
        }
        CrashPoints.hit(CrashPoints.PUBLISH_AFTER_CHECKPOINT);
        final long markerId = wal.append(markerFactory.apply(path, lastEntryId));
        CrashPoints.hit(CrashPoints.PUBLISH_AFTER_MARKER);
        if (durable)
        {
            wal.flushAndSync();
        }
        else
        {
            wal.flush();
        }
        // Before anything is deleted, the header alone protects the marker and every entry before it:
        // once the WAL no longer starts at entry 1, damage to them is corruption, never a torn tail.
        wal.syncWatermark();
        CrashPoints.hit(CrashPoints.PUBLISH_AFTER_MARKER_SYNC);
        final int deleted = wal.deleteSegmentsCoveredBy(lastEntryId);
        return new PublishResult(path, lastEntryId, markerId, deleted, durable);
    }
}
