package io.durability.recover;

import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.walog.FrameFilter;
import io.durability.walog.WalOptions;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What generic recovery needs, named instead of passed by position: how checkpoints and WAL entries
 * decode, how the working state starts and folds entries, where markers are, and the options. An
 * immutable value: every {@code with*} returns a copy, so one spec can serve many recoveries.
 *
 * <pre>{@code
 * Recovered<Long> r = RecoverySpec.of(checkpointCodec, walCodec, c -> c.orElse(0L), (s, id, e) -> s + e)
 *     .withMarkers(MyEntries::markerOf)
 *     .withOptions(RecoveryOptions.bestEffort())
 *     .recoverLatest(directory);
 * }</pre>
 *
 * <p>The guarantees are {@link Recovery}'s.
 *
 * @param <C> the checkpoint state type.
 * @param <S> the working state type.
 * @param <E> the WAL entry type.
 */
public final class RecoverySpec<C, S, E>
{
    private final Codec<C> checkpointCodec;
    private final Codec<E> walCodec;
    private final Function<Optional<C>, S> init;
    private final Recovery.Apply<S, E> apply;
    private final Function<E, CheckpointRef> markerOf;
    private final FrameFilter markerFrames;
    private final WalOptions walOptions;
    private final RecoveryOptions options;

    private RecoverySpec(
        final Codec<C> checkpointCodec, final Codec<E> walCodec, final Function<Optional<C>, S> init,
        final Recovery.Apply<S, E> apply, final Function<E, CheckpointRef> markerOf, final FrameFilter markerFrames,
        final WalOptions walOptions, final RecoveryOptions options)
    {
        this.markerFrames = markerFrames;
        this.checkpointCodec = Objects.requireNonNull(checkpointCodec, "checkpointCodec");
        this.walCodec = Objects.requireNonNull(walCodec, "walCodec");
        this.init = Objects.requireNonNull(init, "init");
        this.apply = Objects.requireNonNull(apply, "apply");
        this.markerOf = markerOf;
        this.walOptions = Objects.requireNonNull(walOptions, "walOptions");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * A spec with {@link WalOptions#defaults()}, {@link RecoveryOptions#strict()} and no markers.
     *
     * @param checkpointCodec decodes the checkpoint state.
     * @param walCodec        decodes WAL entries.
     * @param init            the working state from the checkpoint's (empty when recovery starts from nothing).
     * @param apply           folds one entry into the working state.
     * @param <C>             the checkpoint state type.
     * @param <S>             the working state type.
     * @param <E>             the WAL entry type.
     * @return the spec.
     */
    public static <C, S, E> RecoverySpec<C, S, E> of(
        final Codec<C> checkpointCodec, final Codec<E> walCodec, final Function<Optional<C>, S> init,
        final Recovery.Apply<S, E> apply)
    {
        return new RecoverySpec<>(checkpointCodec, walCodec, init, apply, null, null, WalOptions.defaults(),
            RecoveryOptions.strict());
    }

    /**
     * @param markers returns the checkpoint a marker entry names, {@code null} for other entries;
     *                needed by {@link #recoverLatest}.
     * @return a copy with these markers.
     */
    public RecoverySpec<C, S, E> withMarkers(final Function<E, CheckpointRef> markers)
    {
        return new RecoverySpec<>(checkpointCodec, walCodec, init, apply, Objects.requireNonNull(markers, "markers"),
            markerFrames, walOptions, options);
    }

    /**
     * @param mayBeMarker a test of an entry's raw payload that is {@code true} for every checkpoint
     *                    marker (and may be for other entries too): {@link #recoverLatest} then decodes
     *                    only the entries it accepts while it looks for markers, instead of every entry
     *                    of the WAL. A test that declines a marker makes recovery miss it: for
     *                    {@link io.durability.walog.WalEntryCodec}, {@code WalEntryCodec::isCheckpointFrame}.
     * @return a copy with this test.
     */
    public RecoverySpec<C, S, E> withMarkerFrames(final FrameFilter mayBeMarker)
    {
        return new RecoverySpec<>(checkpointCodec, walCodec, init, apply, markerOf,
            Objects.requireNonNull(mayBeMarker, "mayBeMarker"), walOptions, options);
    }

    /** @param wal where the WAL is ({@code walDir}) and how it is segmented. @return a copy with them. */
    public RecoverySpec<C, S, E> withWalOptions(final WalOptions wal)
    {
        return new RecoverySpec<>(checkpointCodec, walCodec, init, apply, markerOf, markerFrames, wal, options);
    }

    /** @param recovery strict or best effort, and up to which entry. @return a copy with them. */
    public RecoverySpec<C, S, E> withOptions(final RecoveryOptions recovery)
    {
        return new RecoverySpec<>(checkpointCodec, walCodec, init, apply, markerOf, markerFrames, walOptions, recovery);
    }

    /**
     * Recover from the newest checkpoint a marker names (older ones when it is missing, or, in best
     * effort, unreadable), plus the WAL after it.
     *
     * <p>Cost: one pass over the whole WAL that CRC-checks every frame and judges the chain (it finds
     * the markers), the checkpoint's read and decode, then the entries after the checkpoint, read again
     * from the segment that holds the first of them (see {@link io.durability.walog.WalReader#replayEachFrom}).
     *
     * @throws io.durability.storage.DurabilityException INVALID_CONFIG when no markers were given
     *                                                   ({@link #withMarkers}).
     * @throws io.durability.storage.DurabilityException as {@link Recovery} describes.
     */
    public Recovered<S> recoverLatest(final Directory directory)
    {
        if (markerOf == null)
        {
            throw io.durability.storage.DurabilityException.invalidConfig(
                "recoverLatest needs withMarkers(...): how to recognize a checkpoint marker", "a marker function", "none");
        }
        return Recovery.latest(this, directory);
    }

    /**
     * Recover from the checkpoint at {@code checkpointPath} (or from nothing, when it is {@code null}
     * or does not exist), plus the WAL.
     *
     * @throws io.durability.storage.DurabilityException as {@link Recovery} describes.
     */
    public Recovered<S> recoverFrom(final Directory directory, final String checkpointPath)
    {
        return Recovery.from(this, directory, checkpointPath);
    }

    Codec<C> checkpointCodec()
    {
        return checkpointCodec;
    }

    Codec<E> walCodec()
    {
        return walCodec;
    }

    Function<Optional<C>, S> init()
    {
        return init;
    }

    Recovery.Apply<S, E> apply()
    {
        return apply;
    }

    Function<E, CheckpointRef> markerOf()
    {
        return markerOf;
    }

    FrameFilter markerFrames()
    {
        return markerFrames;
    }

    WalOptions walOptions()
    {
        return walOptions;
    }

    RecoveryOptions options()
    {
        return options;
    }
}
