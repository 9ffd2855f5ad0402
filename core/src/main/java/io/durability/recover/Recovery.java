package io.durability.recover;

import io.durability.checkpoint.Checkpoint;
import io.durability.checkpoint.CheckpointFile;
import io.durability.walog.FrameFilter;
import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.RelativePath;
import io.durability.walog.WalOptions;
import io.durability.walog.RecordHandler;
import io.durability.walog.WalReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Generic recovery: a checkpoint (or nothing) plus the WAL entries after it, for any checkpoint
 * type {@code C}, working state {@code S} and WAL entry type {@code E}. Describe it with a
 * {@link RecoverySpec} and call {@link RecoverySpec#recoverLatest} or {@link RecoverySpec#recoverFrom}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Entries with id {@code <= lastAppliedId} of the checkpoint are skipped; the rest are applied
 *   in id order, exactly once.</li>
 *   <li>The WAL must continue the checkpoint: if the first entry after the checkpoint is not
 *   {@code lastAppliedId + 1} (segments deleted that the checkpoint does not cover), recovery fails
 *   with FORMAT rather than return a state with a hole.</li>
 *   <li>Strict mode: a checkpoint that exists but does not read is an error. Best effort: it is
 *   skipped (an older marker's checkpoint, or the WAL from entry 1, is used) and a torn WAL tail is
 *   tolerated; corruption elsewhere is still an error.</li>
 *   <li>Checkpoint paths named in WAL markers are confined to the directory: an absolute path or one
 *   with {@code ..} is rejected (FORMAT), never opened.</li>
 * </ul>
 */
public final class Recovery
{
    private Recovery()
    {
    }

    /**
     * Folds one WAL entry into the working state.
     *
     * @param <S> the state type.
     * @param <E> the entry type.
     */
    @FunctionalInterface
    public interface Apply<S, E>
    {
        /**
         * @param state   the working state (mutate it, or return a new one).
         * @param entryId the entry id.
         * @param entry   the entry.
         * @return the state after applying the entry.
         */
        S apply(S state, long entryId, E entry);
    }

    /** {@link RecoverySpec#recoverFrom}. */
    static <C, S, E> Recovered<S> from(final RecoverySpec<C, S, E> spec, final Directory directory, final String checkpointPath)
    {
        final RecoveryOptions options = spec.options();
        Checkpoint<C> checkpoint = null;
        String used = null;
        if (checkpointPath != null && directory.exists(confined(checkpointPath, -1)))
        {
            try
            {
                checkpoint = CheckpointFile.read(directory, checkpointPath, spec.checkpointCodec());
                used = checkpointPath;
            }
            catch (final DurabilityException ex)
            {
                if (!options.ignoreCorruptCheckpoint() || ex.kind() == DurabilityException.Kind.IO)
                {
                    throw ex;
                }
            }
        }
        return replayOnto(spec, directory, checkpoint, used, false);
    }

    /** {@link RecoverySpec#recoverLatest}. */
    static <C, S, E> Recovered<S> latest(final RecoverySpec<C, S, E> spec, final Directory directory)
    {
        final RecoveryOptions options = spec.options();
        final WalOptions walOptions = spec.walOptions();
        final List<CheckpointRef> markers = new ArrayList<>();
        final long[] firstId = {0};
        // One pass over the whole WAL (every frame CRC-checked, the verdict of every segment), decoding only
        // the entries the spec's marker test lets through (all of them when it has none).
        final FrameFilter mayBeMarker = spec.markerFrames();
        new WalReader<>(directory, spec.walCodec(), walOptions).replayEach(options.walMode(),
            (id, buffer, offset, length) ->
            {
                if (firstId[0] == 0)
                {
                    firstId[0] = id;
                }
                return id <= options.upToEntryId() && (mayBeMarker == null || mayBeMarker.accept(id, buffer, offset, length));
            },
            (id, entry) ->
        {
            final CheckpointRef ref = spec.markerOf().apply(entry);
            if (ref != null && id <= options.upToEntryId())
            {
                confined(ref.path(), id);
                markers.add(ref);
            }
        });
        for (int i = markers.size() - 1; i >= 0; i--)
        {
            final CheckpointRef ref = markers.get(i);
            if (!directory.exists(ref.path()))
            {
                continue;
            }
            try
            {
                final Checkpoint<C> checkpoint = CheckpointFile.read(directory, ref.path(), spec.checkpointCodec());
                if (checkpoint.lastAppliedId() != ref.lastEntryId())
                {
                    throw DurabilityException.format(
                        "checkpoint does not hold the entries its WAL marker says", ref.path(), 16,
                        ref.lastEntryId(), checkpoint.lastAppliedId());
                }
                return replayOnto(spec, directory, checkpoint, ref.path(), true);
            }
            catch (final DurabilityException ex)
            {
                if (!options.ignoreCorruptCheckpoint() || ex.kind() == DurabilityException.Kind.IO)
                {
                    throw ex;
                }
            }
        }
        if (firstId[0] > 1)
        {
            throw DurabilityException.invalidState(
                "the WAL no longer starts at entry 1 (it starts at " + firstId[0] + ") and no usable checkpoint " +
                "marker was found: the state before entry " + firstId[0] + " is unavailable", walOptions.walDir());
        }
        return replayOnto(spec, directory, null, null, true);
    }

    /** The working state while the WAL is folded into it: no casts, no arrays of objects. */
    private static final class Fold<S, E> implements RecordHandler<E>
    {
        private final Apply<S, E> apply;
        private final long ceiling;
        private final String checkpointPath;
        private final boolean fromCheckpoint;
        private S state;
        private long last;
        private long replayed;

        Fold(final Apply<S, E> apply, final S state, final long since, final long ceiling, final String checkpointPath,
            final boolean fromCheckpoint)
        {
            this.apply = apply;
            this.state = state;
            this.last = since;
            this.ceiling = ceiling;
            this.checkpointPath = checkpointPath;
            this.fromCheckpoint = fromCheckpoint;
        }

        @Override
        public void onRecord(final long id, final E entry)
        {
            if (id <= last || id > ceiling)
            {
                return;
            }
            if (id != last + 1)
            {
                throw DurabilityException.format(
                    "the WAL does not continue the " + (fromCheckpoint ? "checkpoint" : "empty state") +
                    ": entries are missing (segments deleted that no usable checkpoint covers)",
                    checkpointPath, -1, "entry " + (last + 1), "entry " + id);
            }
            state = apply.apply(state, id, entry);
            last = id;
            replayed++;
        }
    }

    /**
     * @param judged whether the whole WAL was just read and judged (the marker pass of {@link #latest}):
     *               then only the segments from the one holding the first entry after the checkpoint are
     *               read again, so recovery reads the WAL once plus what follows the checkpoint.
     */
    private static <C, S, E> Recovered<S> replayOnto(
        final RecoverySpec<C, S, E> spec, final Directory directory, final Checkpoint<C> checkpoint,
        final String checkpointPath, final boolean judged)
    {
        final long since = checkpoint == null ? 0 : checkpoint.lastAppliedId();
        final S initial = spec.init().apply(checkpoint == null ? Optional.empty() : Optional.of(checkpoint.state()));
        final Fold<S, E> fold = new Fold<>(spec.apply(), initial, since, spec.options().upToEntryId(), checkpointPath,
            checkpoint != null);
        // Entries the checkpoint covers (and those past the ceiling) are CRC-checked, not decoded.
        final long ceiling = spec.options().upToEntryId();
        final WalReader<E> reader = new WalReader<>(directory, spec.walCodec(), spec.walOptions());
        final FrameFilter after = (id, buffer, offset, length) -> id > since && id <= ceiling;
        if (judged && since > 0)
        {
            reader.replayEachFrom(spec.options().walMode(), since + 1, after, fold);
        }
        else
        {
            reader.replayEach(spec.options().walMode(), after, fold);
        }
        return new Recovered<>(fold.state, fold.last, checkpointPath, fold.replayed);
    }

    private static String confined(final String path, final long markerId)
    {
        try
        {
            return RelativePath.validate(path);
        }
        catch (final DurabilityException ex)
        {
            throw DurabilityException.format(
                "checkpoint path " + (markerId > 0 ? "in WAL entry " + markerId + " " : "") +
                "is outside the directory; refusing to open it", path, -1, "a relative path inside the directory",
                path);
        }
    }
}
