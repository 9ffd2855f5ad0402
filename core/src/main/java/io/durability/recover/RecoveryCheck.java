package io.durability.recover;

import io.durability.checkpoint.CheckpointDescriptor;
import io.durability.checkpoint.CheckpointFile;
import io.durability.checkpoint.CheckpointInfo;
import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.RelativePath;
import io.durability.walog.FrameHandler;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalVerdict;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Will recovery work, and is every frame intact? The WAL's {@link WalVerdict} plus what
 * {@link RecoverySpec#recoverLatest} would do with its checkpoint markers: which checkpoint it would
 * start from, checked (header, CRCs, the id its marker names) without decoding the state, and the
 * fallbacks it would use. It never writes.
 *
 * @param wal            the WAL's verdict.
 * @param markersChecked whether the entries decoded, so that markers could be looked for (a WAL of
 *                       another entry type cannot be asked: {@code notes} says so).
 * @param markerEntryId  the entry id of the newest marker (0 when none).
 * @param marker         the newest marker, or {@code null}.
 * @param strictStart    the checkpoint strict recovery starts from ({@code null}: from entry 1, or it fails).
 * @param bestEffortStart the checkpoint best-effort recovery starts from ({@code null}: from entry 1, or it fails).
 * @param notes          what a person should know (markers passed over, fallbacks), in order.
 * @param problem        why strict recovery would fail, or {@code null} when it works.
 */
public record RecoveryCheck(
    WalVerdict wal, boolean markersChecked, long markerEntryId, CheckpointRef marker, String strictStart,
    String bestEffortStart, List<String> notes, DurabilityException problem)
{
    /** Copies the list. */
    public RecoveryCheck
    {
        notes = List.copyOf(notes);
    }

    /**
     * @return why the WAL's entries are not {@code walCodec}'s, from its segment headers alone (they
     * record another codec id), or {@code null}.
     */
    private static String otherCodec(final Directory directory, final WalOptions walOptions, final Codec<?> walCodec)
    {
        final int id = walCodec.id();
        if (id == 0)
        {
            return null;
        }
        final int recorded;
        try
        {
            recorded = WalReader.recordedCodecId(directory, walOptions);
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.FORMAT)
            {
                return ex.getMessage();
            }
            throw ex;
        }
        return recorded == 0 || recorded == id ? null :
            "the WAL's segment headers record codec id " + recorded + ", this codec's id is " + id;
    }

    /** @return whether strict recovery (and so best effort) works. */
    public boolean recoverable()
    {
        return problem == null;
    }

    /**
     * Check the WAL in {@code walOptions.walDir()} and the checkpoints its markers name.
     *
     * @param walCodec decodes entries, to find markers; a DECODE failure is noted, not thrown, and so is
     *                 a WAL whose segment headers record another non-zero codec id than a non-zero
     *                 {@code walCodec.id()} (its entries are then not decoded at all).
     * @param markerOf the marker an entry is, or {@code null}.
     * @throws DurabilityException IO or NOT_FOUND when files cannot be read.
     */
    public static <E> RecoveryCheck run(
        final Directory directory, final WalOptions walOptions, final Codec<E> walCodec,
        final Function<E, CheckpointRef> markerOf)
    {
        return run(directory, walOptions, walCodec, markerOf, null);
    }

    /**
     * {@link #run(Directory, WalOptions, Codec, Function)}, showing {@code observerOrNull} every frame
     * the scan validates, as it goes (a tool's progress display; the scan is the same one).
     *
     * @param observerOrNull sees each valid frame before it is decoded, or {@code null}; what it
     *                       throws ends the check.
     */
    public static <E> RecoveryCheck run(
        final Directory directory, final WalOptions walOptions, final Codec<E> walCodec,
        final Function<E, CheckpointRef> markerOf, final FrameHandler observerOrNull)
    {
        final List<CheckpointRef> markers = new ArrayList<>();
        final List<Long> markerIds = new ArrayList<>();
        final String[] undecodable = {otherCodec(directory, walOptions, walCodec)};
        // One scan: the verdict, and the markers among the frames it validates. An entry that does not
        // decode stops the marker search, not the scan.
        final WalVerdict verdict = new WalReader<>(directory, walCodec, walOptions).check((id, buffer, offset, length) ->
        {
            if (observerOrNull != null)
            {
                observerOrNull.onFrame(id, buffer, offset, length);
            }
            if (undecodable[0] != null)
            {
                return;
            }
            final E entry;
            try
            {
                entry = walCodec.decode(buffer, offset, length);
            }
            catch (final RuntimeException ex)
            {
                undecodable[0] = "entry " + id + ": " + ex.getMessage();
                return;
            }
            final CheckpointRef ref = markerOf.apply(entry);
            if (ref != null)
            {
                markers.add(ref);
                markerIds.add(id);
            }
        });
        final List<String> notes = new ArrayList<>();
        if (verdict.state() == WalVerdict.State.CORRUPT)
        {
            return new RecoveryCheck(verdict, false, 0, null, null, null, notes, verdict.problem());
        }
        if (undecodable[0] != null)
        {
            notes.add("the entries do not decode as this entry type (" + undecodable[0] +
                "), so checkpoint markers were not checked");
            return new RecoveryCheck(verdict, false, 0, null, null, null, notes, null);
        }
        final int n = markers.size();
        final CheckpointRef newest = n == 0 ? null : markers.get(n - 1);
        final long newestId = n == 0 ? 0 : markerIds.get(n - 1);
        String strictStart = null;
        String bestEffortStart = null;
        DurabilityException problem = null;
        boolean strictDecided = false;
        for (int i = n - 1; i >= 0; i--)
        {
            final CheckpointRef ref = markers.get(i);
            final long id = markerIds.get(i);
            final DurabilityException bad = checkpointProblem(directory, ref, id);
            if (bad == null)
            {
                if (!strictDecided)
                {
                    strictStart = ref.path();
                    strictDecided = true;
                }
                bestEffortStart = ref.path();
                break;
            }
            if (bad.kind() == DurabilityException.Kind.NOT_FOUND)
            {
                notes.add("marker " + id + " names " + ref.path() + ", which does not exist: recovery passes over it");
                continue;
            }
            if (!strictDecided)
            {
                problem = bad.withNote(" (the checkpoint strict recovery would start from; best effort skips it)");
                strictDecided = true;
            }
            notes.add("marker " + id + " names " + ref.path() + ", which fails its checks: " + bad.getMessage());
        }
        final String start = problem == null ? strictStart : bestEffortStart;
        if (problem == null && start == null && verdict.firstEntryId() > 1)
        {
            problem = DurabilityException.invalidState(
                "the WAL no longer starts at entry 1 (it starts at " + verdict.firstEntryId() + ") and no usable " +
                "checkpoint marker was found: the state before entry " + verdict.firstEntryId() + " is unavailable",
                walOptions.walDir());
        }
        if (problem != null && bestEffortStart == null && verdict.firstEntryId() > 1)
        {
            notes.add("best-effort recovery fails too: the WAL starts at entry " + verdict.firstEntryId() +
                " and no other marker names a usable checkpoint");
        }
        else if (problem != null)
        {
            notes.add("best-effort recovery would start from " + (bestEffortStart == null ? "entry 1" : bestEffortStart));
        }
        return new RecoveryCheck(verdict, true, newestId, newest, strictStart, bestEffortStart, notes, problem);
    }

    /** @return why the checkpoint a marker names is unusable (NOT_FOUND when missing), or {@code null}. */
    private static DurabilityException checkpointProblem(final Directory directory, final CheckpointRef ref, final long id)
    {
        try
        {
            RelativePath.validate(ref.path());
        }
        catch (final DurabilityException ex)
        {
            return DurabilityException.format("checkpoint path in WAL entry " + id + " is outside the directory",
                ref.path(), -1, "a relative path inside the directory", ref.path());
        }
        if (!directory.exists(ref.path()))
        {
            return DurabilityException.notFound(ref.path());
        }
        try
        {
            final CheckpointInfo info = CheckpointFile.inspect(directory, ref.path(), CheckpointDescriptor.DEFAULT_MAX_PAYLOAD);
            if (info.lastAppliedId() != ref.lastEntryId())
            {
                return DurabilityException.format("checkpoint does not hold the entries its WAL marker says", ref.path(),
                    16, ref.lastEntryId(), info.lastAppliedId());
            }
            return null;
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.IO)
            {
                throw ex;
            }
            return ex;
        }
    }

    /** @return one line: the verdict on recovery, naming the checkpoint. */
    public String describe()
    {
        if (problem != null)
        {
            return "recovery fails: " + problem.getMessage();
        }
        if (!markersChecked)
        {
            return "recovery: " + (wal.state() == WalVerdict.State.CORRUPT ? "fails" : "markers not checked");
        }
        return "recovery works: from " + (strictStart == null ? "entry 1 (no checkpoint)" : strictStart) + " plus the WAL";
    }
}
