package io.durability.cli;

import io.durability.recover.RecoveryCheck;
import io.durability.recover.RecoveryManager;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalVerdict;

import java.io.PrintWriter;

/**
 * How the CLI shows core's verdicts ({@link WalVerdict}, {@link RecoveryCheck}): exit codes and the
 * advice added to core's own descriptions. The rules themselves are core's; nothing is worked out
 * again here.
 */
final class Verdicts
{
    private Verdicts()
    {
    }

    /** The WAL's verdict and what recovery would do with its checkpoint markers, one scan and one replay. */
    static RecoveryCheck check(final WalFolder.Wal wal, final PrintWriter err)
    {
        return Progress.overWal(err, "verifying", wal, frames ->
            RecoveryCheck.run(wal.directory(), wal.options(), WalEntryCodec.INSTANCE, RecoveryManager::markerOf, frames));
    }

    /** @return whether {@code ex} reports bad bytes (as opposed to a failure to read them). */
    static boolean isDamage(final DurabilityException ex)
    {
        return ex.kind() == DurabilityException.Kind.FORMAT || ex.kind() == DurabilityException.Kind.CRC_MISMATCH;
    }

    /** @return the exit code for the WAL's verdict alone. */
    static int exitCode(final WalVerdict v)
    {
        return switch (v.state())
        {
            case CLEAN -> ExitCodes.OK;
            case TORN_TAIL -> ExitCodes.TORN_TAIL;
            case CORRUPT -> ExitCodes.CORRUPT;
        };
    }

    /** @return the exit code for the WAL and its recovery: a WAL that reads but does not recover is corrupt. */
    static int exitCode(final RecoveryCheck check)
    {
        final int wal = exitCode(check.wal());
        return wal == ExitCodes.OK && !check.recoverable() ? ExitCodes.CORRUPT : wal;
    }

    /** @return core's description, plus what to do about a torn tail and what a repair would tidy. */
    static String advice(final WalVerdict v)
    {
        if (v.state() == WalVerdict.State.TORN_TAIL)
        {
            return v.describe() + "; 'durability repair' cuts it";
        }
        if (v.state() == WalVerdict.State.CLEAN)
        {
            final StringBuilder sb = new StringBuilder(v.describe());
            if (v.cut() != null)
            {
                sb.append("; ").append(Text.count(v.cut().length())).append(" leftover bytes of an uncommitted frame at ")
                    .append(v.cut().file()).append(" offset ").append(v.cut().from())
                    .append(" (no entry; resume zeroes them)");
            }
            if (!v.droppedSegments().isEmpty())
            {
                sb.append("; ").append(v.droppedSegments().size()).append(" uninitialized final segment ignored");
            }
            return sb.toString();
        }
        return v.describe();
    }

    /** @return the one-line verdict on recovery, with its notes. */
    static String recovery(final RecoveryCheck check)
    {
        final StringBuilder sb = new StringBuilder(check.describe());
        for (final String note : check.notes())
        {
            sb.append("; ").append(note);
        }
        return sb.toString();
    }
}
