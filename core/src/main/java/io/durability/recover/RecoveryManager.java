package io.durability.recover;

import io.durability.storage.Directory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;

import java.util.Optional;

/**
 * Recovery for segment-index WALs of {@link WalEntry}, with checkpoints of
 * {@link SegmentIndexState} (see {@link io.durability.publish.CheckpointPublisher#forSegmentIndex}).
 *
 * <p>Entries are applied as the seed does: {@code AddSegment} adds (or replaces) a segment;
 * {@code DeleteDocuments} marks documents of live segments deleted (deletes against unknown
 * segments are ignored); {@code EndMerge} removes the old segments and adds the merged one with
 * document count 0 and the remapped deletes that name it; {@code StartMerge}, {@code CancelMerge}
 * and {@code Checkpoint} change nothing.
 */
public final class RecoveryManager
{
    private final Directory directory;
    private final WalOptions walOptions;

    /** A manager for the WAL in {@code walOptions.walDir()}. */
    public RecoveryManager(final Directory directory, final WalOptions walOptions)
    {
        this.directory = directory;
        this.walOptions = walOptions;
    }

    /** A manager with {@link WalOptions#defaults()}. */
    public RecoveryManager(final Directory directory)
    {
        this(directory, WalOptions.defaults());
    }

    /** Strict recovery from {@code checkpointPath} (or nothing, when {@code null}) plus the WAL. */
    public Recovered<SegmentIndexState> recover(final String checkpointPath)
    {
        return recover(checkpointPath, RecoveryOptions.strict());
    }

    /** Best-effort recovery: a corrupt checkpoint is ignored, a torn WAL tail tolerated. */
    public Recovered<SegmentIndexState> recoverBestEffort(final String checkpointPath)
    {
        return recover(checkpointPath, RecoveryOptions.bestEffort());
    }

    /** Recovery under explicit options. */
    public Recovered<SegmentIndexState> recover(final String checkpointPath, final RecoveryOptions options)
    {
        return spec(options).recoverFrom(directory, checkpointPath);
    }

    /** Strict recovery from the latest checkpoint marker in the WAL. */
    public Recovered<SegmentIndexState> recoverLatest()
    {
        return recoverLatest(RecoveryOptions.strict());
    }

    /** Best-effort recovery from the latest usable checkpoint marker in the WAL. */
    public Recovered<SegmentIndexState> recoverLatestBestEffort()
    {
        return recoverLatest(RecoveryOptions.bestEffort());
    }

    /** Recovery from the latest checkpoint marker under explicit options. */
    public Recovered<SegmentIndexState> recoverLatest(final RecoveryOptions options)
    {
        return spec(options).recoverLatest(directory);
    }

    /** @return the segment-index recovery as a {@link RecoverySpec}, for callers that vary it further. */
    public RecoverySpec<SegmentIndexState, SegmentIndexState, WalEntry> spec(final RecoveryOptions options)
    {
        return RecoverySpec.of(SegmentIndexCodec.INSTANCE, WalEntryCodec.INSTANCE, RecoveryManager::init,
            RecoveryManager::apply).withMarkers(RecoveryManager::markerOf).withMarkerFrames(WalEntryCodec::isCheckpointFrame).withWalOptions(walOptions).withOptions(options);
    }

    /** @return the checkpoint a {@link WalEntry.Checkpoint} names, or {@code null} for other entries. */
    public static CheckpointRef markerOf(final WalEntry entry)
    {
        return entry instanceof WalEntry.Checkpoint c ? new CheckpointRef(c.checkpointPath(), c.lastEntryId()) : null;
    }

    private static SegmentIndexState init(final Optional<SegmentIndexState> checkpoint)
    {
        // The checkpoint's state was decoded for this recovery alone (Recovery does not keep or return it):
        // it is the working state, no copy.
        return checkpoint.orElseGet(SegmentIndexState::new);
    }

    /** Apply one entry to a state, as the seed does (see the class comment). */
    public static SegmentIndexState apply(final SegmentIndexState state, final long entryId, final WalEntry entry)
    {
        if (entry instanceof WalEntry.AddSegment a)
        {
            state.putSegment(a.segmentId(), a.docCount());
        }
        else if (entry instanceof WalEntry.DeleteDocuments d)
        {
            for (final WalEntry.DocRef r : d.deletes())
            {
                state.delete(r.segmentId(), r.docId());
            }
        }
        else if (entry instanceof WalEntry.EndMerge m)
        {
            for (final long old : m.oldSegmentIds())
            {
                state.removeSegment(old);
            }
            state.putSegment(m.newSegmentId(), 0);
            for (final WalEntry.DocRef r : m.remappedDeletes())
            {
                if (r.segmentId() == m.newSegmentId())
                {
                    state.delete(r.segmentId(), r.docId());
                }
            }
        }
        return state;
    }
}
