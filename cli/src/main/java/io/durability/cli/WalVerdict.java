package io.durability.cli;

import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalReader;
import io.durability.walog.WalReader.ScanSummary;

import java.io.PrintWriter;

/**
 * What the replay rules say about a WAL: clean, a torn tail, or corrupt. Strict verification
 * checks every frame; only when it fails does best effort run, to tell the tail a crash may leave
 * (repairable) from damage to data that was durable (not repairable by the tool). The rules
 * themselves live in core ({@link WalReader#verify}); this class only names the outcome.
 *
 * @param state         the outcome.
 * @param summary       strict summary when clean, best-effort summary when torn, {@code null} when corrupt.
 * @param strictProblem why strict verification failed, or {@code null} when clean.
 * @param corruption    why best effort failed too, or {@code null} unless corrupt.
 */
record WalVerdict(State state, ScanSummary summary, DurabilityException strictProblem, DurabilityException corruption)
{
    /** The three outcomes. */
    enum State
    {
        CLEAN, TORN_TAIL, CORRUPT
    }

    /**
     * Verify {@code reader}'s WAL, strict first. Failures other than damage (I/O, a missing file)
     * are not a verdict and are thrown.
     */
    static WalVerdict check(final WalReader<?> reader, final PrintWriter err)
    {
        final ScanSummary strict;
        try
        {
            strict = Progress.whileRunning(err, "verifying", () -> reader.verify(ReplayMode.STRICT));
        }
        catch (final DurabilityException ex)
        {
            if (!isDamage(ex))
            {
                throw ex;
            }
            return afterStrictFailure(reader, ex, err);
        }
        return new WalVerdict(State.CLEAN, strict, null, null);
    }

    /** Classify a strict failure (from verification or a strict replay) with a best-effort scan. */
    static WalVerdict afterStrictFailure(final WalReader<?> reader, final DurabilityException strictProblem,
        final PrintWriter err)
    {
        try
        {
            final ScanSummary bestEffort =
                Progress.whileRunning(err, "classifying the damage", () -> reader.verify(ReplayMode.BEST_EFFORT));
            return new WalVerdict(State.TORN_TAIL, bestEffort, strictProblem, null);
        }
        catch (final DurabilityException ex)
        {
            if (!isDamage(ex))
            {
                throw ex;
            }
            return new WalVerdict(State.CORRUPT, null, strictProblem, ex);
        }
    }

    /** @return whether {@code ex} reports bad bytes (as opposed to a failure to read them). */
    static boolean isDamage(final DurabilityException ex)
    {
        return ex.kind() == DurabilityException.Kind.FORMAT || ex.kind() == DurabilityException.Kind.CRC_MISMATCH;
    }

    /** @return the exit code a check reports for this verdict. */
    int exitCode()
    {
        return switch (state)
        {
            case CLEAN -> ExitCodes.OK;
            case TORN_TAIL -> ExitCodes.TORN_TAIL;
            case CORRUPT -> ExitCodes.CORRUPT;
        };
    }

    /** @return where best effort stopped: the torn frame, or (for a torn segment header) the strict failure. */
    DurabilityException tear()
    {
        return summary != null && summary.tornTail() != null ? summary.tornTail() : strictProblem;
    }

    /** @return the verdict in one line, naming the file and offset of any damage. */
    String describe()
    {
        return switch (state)
        {
            case CLEAN -> "clean: " + entries(summary);
            case TORN_TAIL -> "torn tail: best effort keeps " + entries(summary) +
                (summary.discardedSegments() > 0 ?
                    " and drops " + summary.discardedSegments() + " segment(s) after the end of valid data" : "") +
                ": " + tear().getMessage();
            case CORRUPT -> "corrupt (not a torn tail; 'durability repair' will not touch it): " + corruption.getMessage();
        };
    }

    /** @return {@link #describe()}, and for a torn tail what to do about it. */
    String advice()
    {
        return state == State.TORN_TAIL ? describe() + "; 'durability repair' cuts it" : describe();
    }

    /** @return e.g. {@code 3 segments, 250 entries (ids 1..250)}. */
    static String entries(final ScanSummary s)
    {
        final String range = s.entries() == 0 ? "no entries" :
            Text.count(s.entries()) + " entries (ids " + s.firstEntryId() + ".." + s.lastEntryId() + ")";
        return s.segments() + " segment" + (s.segments() == 1 ? "" : "s") + ", " + range;
    }
}
