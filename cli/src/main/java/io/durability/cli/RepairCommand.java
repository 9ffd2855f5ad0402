package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalInspector;
import io.durability.walog.WalInspector.SegmentReport;
import io.durability.walog.WalLayout;
import io.durability.walog.RepairReport;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalVerdict;
import io.durability.walog.WalWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code durability repair DIR}: do what {@link WalWriter#resume} does on open (cut a torn tail,
 * zero the bytes after it, drop segments after the end of valid data) and print the
 * {@link RepairReport} resume returns: core decides, the CLI only shows it. It refuses corruption
 * (exit 4) and a WAL with a live writer (exit 5), changing nothing; it never cuts an entry a
 * completed barrier covered. Payloads are never decoded: resume runs with the raw
 * {@link BytesCodec}, so any WAL can be repaired.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = {
        "Cut a torn tail off the WAL in DIR, as WalWriter.resume does, and report what was cut.",
        "The last whole entry stays, the bytes after it are zeroed, segments after the end of valid data are",
        "dropped. Refuses corruption (damage no crash or power cut leaves, or damage to acknowledged data)",
        "and a WAL a writer holds open; then nothing is changed."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:repaired, or nothing to repair",
        "1:other failure (I/O)",
        "4:corruption: refused, nothing was changed",
        "5:a writer holds the WAL lock: refused, nothing was changed",
        "6:no such folder, or no WAL folder in it"})
public final class RepairCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        try (WalFolder.Wal wal = folder.open())
        {
            final Directory directory = wal.directory();
            final WalOptions options = wal.options();
            // Checked first so that a live writer is reported as such, whatever state its WAL is in.
            ensureNoWriter(directory, options);
            final WalReader<byte[]> reader = new WalReader<>(directory, BytesCodec.INSTANCE, options);
            final WalVerdict before = Progress.overWal(err, "verifying", wal, reader::check);
            if (before.state() == WalVerdict.State.CORRUPT)
            {
                throw new CliFailure(ExitCodes.CORRUPT, "refusing to repair, nothing was changed: " + before.describe(),
                    before.problem());
            }
            if (before.state() == WalVerdict.State.CLEAN && before.cut() == null && before.droppedSegments().isEmpty())
            {
                out.println("nothing to repair: " + before.describe());
                return ExitCodes.OK;
            }
            final List<SegmentReport> segments = WalInspector.inspect(directory, options);
            final RepairReport report = resume(directory, options.withSegmentCapacity(capacity(segments, options)));
            final WalVerdict after = reader.check();

            out.println("repaired the WAL in " + wal.directory().root().resolve(options.walDir()) + ":");
            out.println("  before:  " + before.describe());
            final WalVerdict.Cut cut = report.cut();
            if (cut != null)
            {
                out.println("  cut:     " + cut.file() + " at offset " + Text.count(cut.from()) + ": zeroed " +
                    Text.count(cut.length()) + " bytes [" + cut.from() + ", " + cut.to() + ")" +
                    (cut.torn() ? "" : " (the leftover of an uncommitted frame: no entry)"));
            }
            for (final String dropped : report.dropped())
            {
                final boolean uninitialized = segments.stream().anyMatch(s -> s.path().equals(dropped) && s.header() == null);
                out.println("  dropped: " + dropped + (uninitialized ?
                    " (never initialized: named ahead by a writer that did not close, or its header never reached the " +
                    "disk)" : " (after the end of valid data)"));
            }
            if (report.created() != null)
            {
                out.println("  created: " + report.created() + (report.dropped().contains(report.created()) ?
                    " (anew, empty: the next append goes there)" : " (empty: the next append goes there)"));
            }
            out.println("  after:   " + after.describe() + "; the next entry gets id " + report.nextEntryId());
            return ExitCodes.OK;
        }
    }

    private static void ensureNoWriter(final Directory directory, final WalOptions options)
    {
        try
        {
            directory.obtainLock(WalLayout.lockPath(options.walDir())).close();
        }
        catch (final DurabilityException ex)
        {
            throw ex.kind() == DurabilityException.Kind.LOCK_FAILED ? locked(ex) : ex;
        }
    }

    private static CliFailure locked(final DurabilityException ex)
    {
        return new CliFailure(ExitCodes.LOCKED,
            "a writer holds the WAL lock; stop it first (nothing was changed): " + ex.getMessage(), ex);
    }

    /** Resume and close at once: the repair is what resume does before it hands out a writer. */
    private static RepairReport resume(final Directory directory, final WalOptions options)
    {
        try (WalWriter<byte[]> writer = WalWriter.resume(directory, BytesCodec.INSTANCE, options))
        {
            return writer.repairReport();
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.LOCK_FAILED)
            {
                throw locked(ex);
            }
            if (Verdicts.isDamage(ex))
            {
                throw new CliFailure(ExitCodes.CORRUPT, "resume refused, nothing was changed: " + ex.getMessage(), ex);
            }
            throw ex;
        }
    }

    /** New segments (a roll after a sealed final segment) keep the size the WAL already uses. */
    private static int capacity(final List<SegmentReport> reports, final WalOptions options)
    {
        for (int i = reports.size() - 1; i >= 0; i--)
        {
            if (reports.get(i).header() != null)
            {
                return reports.get(i).header().capacity();
            }
        }
        return options.segmentCapacity();
    }
}
