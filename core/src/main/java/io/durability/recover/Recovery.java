package io.durability.recover;

import io.durability.checkpoint.Checkpoint;
import io.durability.checkpoint.CheckpointFile;
import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.RelativePath;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Generic recovery: a checkpoint (or nothing) plus the WAL entries after it, for any checkpoint
 * type {@code C}, working state {@code S} and WAL entry type {@code E}.
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

    /**
     * Recover from the checkpoint at {@code checkpointPath} (or from nothing, when it is {@code null}
     * or does not exist) plus the WAL.
     *
     * @param init converts the checkpoint state (empty when none) into the working state.
     * @throws DurabilityException as described in the class comment.
     */
    public static <C, S, E> Recovered<S> recoverWithWal(
        final Directory directory,
        final WalOptions walOptions,
        final String checkpointPath,
        final Codec<C> checkpointCodec,
        final Codec<E> walCodec,
        final Function<Optional<C>, S> init,
        final Apply<S, E> apply,
        final RecoveryOptions options)
    {
        Checkpoint<C> checkpoint = null;
        String used = null;
        if (checkpointPath != null && directory.exists(confined(checkpointPath, -1)))
        {
            try
            {
                checkpoint = CheckpointFile.read(directory, checkpointPath, checkpointCodec);
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
        return replayOnto(directory, walOptions, walCodec, init, apply, options, checkpoint, used);
    }

    /**
     * Recover from the latest checkpoint recorded by a marker entry in the WAL (markers are found
     * with {@code markerOf}, which returns {@code null} for other entries), plus the WAL after it.
     * Markers whose checkpoint file is missing are passed over for older ones; in best effort, so are
     * markers whose checkpoint does not read. With no usable marker, recovery starts empty, which is
     * only possible while the WAL still begins at entry 1.
     *
     * @throws DurabilityException as described in the class comment; INVALID_STATE when the WAL no
     *                             longer begins at entry 1 and no usable checkpoint is left.
     */
    public static <C, S, E> Recovered<S> recoverLatest(
        final Directory directory,
        final WalOptions walOptions,
        final Codec<C> checkpointCodec,
        final Codec<E> walCodec,
        final Function<E, CheckpointRef> markerOf,
        final Function<Optional<C>, S> init,
        final Apply<S, E> apply,
        final RecoveryOptions options)
    {
        final List<CheckpointRef> markers = new ArrayList<>();
        final long[] firstId = {0};
        new WalReader<>(directory, walCodec, walOptions).replayEach(options.walMode(), (id, entry) ->
        {
            if (firstId[0] == 0)
            {
                firstId[0] = id;
            }
            final CheckpointRef ref = markerOf.apply(entry);
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
                final Checkpoint<C> checkpoint = CheckpointFile.read(directory, ref.path(), checkpointCodec);
                if (checkpoint.lastAppliedId() != ref.lastEntryId())
                {
                    throw DurabilityException.format(
                        "checkpoint does not hold the entries its WAL marker says", ref.path(), 16,
                        ref.lastEntryId(), checkpoint.lastAppliedId());
                }
                return replayOnto(directory, walOptions, walCodec, init, apply, options, checkpoint, ref.path());
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
        return replayOnto(directory, walOptions, walCodec, init, apply, options, null, null);
    }

    private static <C, S, E> Recovered<S> replayOnto(
        final Directory directory,
        final WalOptions walOptions,
        final Codec<E> walCodec,
        final Function<Optional<C>, S> init,
        final Apply<S, E> apply,
        final RecoveryOptions options,
        final Checkpoint<C> checkpoint,
        final String checkpointPath)
    {
        final long since = checkpoint == null ? 0 : checkpoint.lastAppliedId();
        final Object[] state = {init.apply(checkpoint == null ? Optional.empty() : Optional.of(checkpoint.state()))};
        final long[] last = {since};
        final long[] replayed = {0};
        final long ceiling = options.upToEntryId();
        new WalReader<>(directory, walCodec, walOptions).replayEach(options.walMode(), (id, entry) ->
        {
            if (id <= last[0] || id > ceiling)
            {
                return;
            }
            if (id != last[0] + 1)
            {
                throw DurabilityException.format(
                    "the WAL does not continue the " + (checkpoint == null ? "empty state" : "checkpoint") +
                    ": entries are missing (segments deleted that no usable checkpoint covers)",
                    checkpointPath, -1, "entry " + (last[0] + 1), "entry " + id);
            }
            @SuppressWarnings("unchecked") final S s = (S)state[0];
            state[0] = apply.apply(s, id, entry);
            last[0] = id;
            replayed[0]++;
        });
        @SuppressWarnings("unchecked") final S s = (S)state[0];
        return new Recovered<>(s, last[0], checkpointPath, replayed[0]);
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
