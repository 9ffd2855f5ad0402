package io.durability.cli;

import io.durability.frame.FrameDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;

import java.io.PrintWriter;

/**
 * The newest checkpoint marker ({@link WalEntry.Checkpoint}) recorded in a WAL, found by a
 * streaming best-effort replay: what recovery would start from. A WAL of another entry type does
 * not decode, and that is reported, not failed: {@code inspect} works on any WAL.
 *
 * @param markerEntryId the marker's entry id (0 when none was found).
 * @param marker        the newest marker, or {@code null}.
 * @param entries       entries decoded.
 * @param problem       why the scan stopped early, or {@code null}.
 */
record MarkerScan(long markerEntryId, WalEntry.Checkpoint marker, long entries, String problem)
{
    /** Replay the WAL, keeping only the newest marker (never a list of entries: the WAL may be huge). */
    static MarkerScan run(final Directory directory, final WalOptions options, final PrintWriter err, final long bytes)
    {
        final long[] last = {0, 0, 0};
        final WalEntry.Checkpoint[] newest = {null};
        String problem = null;
        try (Progress progress = Progress.bar(err, "scanning for checkpoint markers", bytes))
        {
            new WalReader<>(directory, WalEntryCodec.INSTANCE, options).replayEach(ReplayMode.BEST_EFFORT, (id, entry) ->
            {
                progress.advance(FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + WalEntryCodec.encodedLength(entry)));
                last[0] = id;
                last[1]++;
                if (entry instanceof WalEntry.Checkpoint c)
                {
                    newest[0] = c;
                    last[2] = id;
                }
            });
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.DECODE)
            {
                problem = "the entries are not WalEntry-decodable (" +
                    (last[0] == 0 ? "the first entry" : "the entry after id " + last[0]) + ": " + ex.getMessage() +
                    "), so checkpoint markers cannot be read";
            }
            else if (WalVerdict.isDamage(ex))
            {
                problem = "the scan stopped at damage best effort does not tolerate: " + ex.getMessage();
            }
            else
            {
                throw ex;
            }
        }
        return new MarkerScan(last[2], newest[0], last[1], problem);
    }

    /** @return one line for people. */
    String describe()
    {
        final String found = marker == null ? "none found" :
            "entry " + markerEntryId + " names " + marker.checkpointPath() + " (through entry " + marker.lastEntryId() + ")";
        if (problem != null)
        {
            return (marker == null ? "unknown: " : found + " before the scan stopped: ") + problem;
        }
        return marker == null ? "none in " + Text.count(entries) + " entries" : found;
    }
}
