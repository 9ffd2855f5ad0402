package io.durability.cli;

import io.durability.storage.Directory;
import io.durability.walog.WalInspector;
import io.durability.walog.WalInspector.SegmentReport;
import io.durability.recover.RecoveryCheck;
import io.durability.walog.WalVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code durability inspect DIR}: what is on disk, segment by segment (entry range, space used,
 * seal, watermark, first problem), the checkpoint files and the newest checkpoint marker, then the
 * verdict {@code verify} would give. It never writes.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {
        "Report what is on disk in the WAL in DIR. Never writes.",
        "Per segment: entry ids, bytes used of capacity, sealed or final, durable watermark, first problem.",
        "Then the checkpoint files (*.chk, checkpoints/*) with their header fields, the newest checkpoint",
        "marker in the WAL (WalEntry WALs), and the verdict 'durability verify' gives."},
    exitCodeListHeading = "%nExit codes (the verdict, as for verify):%n",
    exitCodeList = {
        "0:clean",
        "1:other failure (I/O)",
        "3:torn tail",
        "4:corruption",
        "6:no such folder, or no WAL folder in it"})
public final class InspectCommand implements Callable<Integer>
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
            final List<SegmentReport> reports =
                Progress.overWal(err, "inspecting", wal, frames -> WalInspector.inspect(directory, wal.options(), frames));
            final RecoveryCheck check = Verdicts.check(wal, err);
            final WalVerdict verdict = check.wal();
            final long bytes = reports.stream().mapToLong(SegmentReport::fileLength).sum();

            out.println("WAL " + wal.directory().root().resolve(wal.options().walDir()) + ": " + reports.size() +
                " segment file" + (reports.size() == 1 ? "" : "s") + ", " + Text.bytes(bytes) + "; codec: " +
                codec(wal));
            if (!reports.isEmpty())
            {
                printSegments(out, reports, verdict);
            }
            printCheckpoints(out, directory, wal.directory().root(), wal.options().walDir());
            out.println("checkpoint marker: " + marker(check, reports.isEmpty()));
            if (check.marker() != null || !check.notes().isEmpty() || !check.recoverable())
            {
                out.println(Verdicts.recovery(check));
            }
            out.println("verdict: " + (verdict.state() == WalVerdict.State.CLEAN && !check.recoverable() ?
                "corrupt: the WAL reads, but " + Verdicts.recovery(check) : Verdicts.advice(verdict)));
            return Verdicts.exitCode(check);
        }
    }

    private static String codec(final WalFolder.Wal wal)
    {
        try
        {
            return EntryPrinter.codecName(io.durability.walog.WalReader.recordedCodecId(wal.directory(), wal.options()));
        }
        catch (final io.durability.storage.DurabilityException ex)
        {
            return "the segments disagree: " + ex.getMessage();
        }
    }

    private static String marker(final RecoveryCheck check, final boolean empty)
    {
        if (empty)
        {
            return "none (the WAL is empty)";
        }
        if (!check.markersChecked())
        {
            return check.notes().isEmpty() ? "unknown: the WAL does not read" : "unknown: " + check.notes().get(0);
        }
        if (check.marker() == null)
        {
            return "none in " + Text.count(check.wal().entries()) + " entries";
        }
        return "entry " + check.markerEntryId() + " names " + check.marker().path() + " (through entry " +
            check.marker().lastEntryId() + ")";
    }

    private static void printSegments(final PrintWriter out, final List<SegmentReport> reports, final WalVerdict verdict)
    {
        final List<String[]> rows = new java.util.ArrayList<>();
        final List<String> problems = new java.util.ArrayList<>();
        rows.add(new String[] {"segment", "entries", "used / capacity", "state", "watermark"});
        problems.add(null);
        for (int i = 0; i < reports.size(); i++)
        {
            final SegmentReport r = reports.get(i);
            final boolean last = i == reports.size() - 1;
            if (r.header() == null)
            {
                rows.add(new String[] {Long.toString(r.segmentId()), "-", Text.count(r.fileLength()) + " bytes",
                    r.problem() == null ? "named ahead (empty)" : "bad header", "-"});
            }
            else
            {
                final int capacity = r.header().capacity();
                final String entries = r.entries() == 0 ? "none (next " + r.header().startEntryId() + ")" :
                    r.header().startEntryId() + ".." + r.lastEntryId() + " (" + Text.count(r.entries()) + ")";
                final String used = Text.count(r.bytesUsed()) + " / " + Text.count(capacity) + " (" +
                    Text.percent((double)r.bytesUsed() / capacity) + ")";
                final String state = r.sealed() ? "sealed" : last ? "final" : "NOT SEALED";
                rows.add(new String[] {Long.toString(r.segmentId()), entries, used, state,
                    Text.count(r.header().watermark())});
            }
            if (r.problem() == null)
            {
                problems.add(null);
            }
            else
            {
                final boolean torn = verdict.state() == WalVerdict.State.TORN_TAIL &&
                    r.path().equals(verdict.problem().file());
                problems.add((torn ? "torn tail: " : "problem: ") + r.problem().getMessage());
            }
        }
        final List<String> lines = Text.table(rows);
        for (int i = 0; i < lines.size(); i++)
        {
            out.println(lines.get(i));
            if (problems.get(i) != null)
            {
                out.println("    " + problems.get(i));
            }
        }
    }

    private static void printCheckpoints(
        final PrintWriter out, final Directory directory, final Path root, final String walDir)
    {
        final List<String> files = CheckpointFiles.find(root, walDir);
        out.println("checkpoints: " + (files.isEmpty() ? "none" : files.size()));
        for (final String path : files)
        {
            out.println("  " + path + ": " + CheckpointFiles.describe(directory, path));
        }
    }
}
