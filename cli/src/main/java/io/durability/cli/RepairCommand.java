package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalInspector;
import io.durability.walog.WalInspector.SegmentReport;
import io.durability.walog.WalLayout;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.agrona.concurrent.AtomicBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code durability repair DIR}: do what {@link WalWriter#resume} does on open (cut a torn tail,
 * zero the bytes after it, drop a torn final segment header) and say what was cut. It refuses
 * corruption (exit 4) and a WAL with a live writer (exit 5), changing nothing. Payloads are never
 * decoded: resume runs with the raw {@link BytesCodec}, so any WAL can be repaired.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = {
        "Cut a torn tail off the WAL in DIR, as WalWriter.resume does, and report what was cut.",
        "The last whole entry stays, the bytes after it are zeroed, a torn final segment header is dropped.",
        "Refuses corruption in durable data and a WAL a writer holds open; then nothing is changed."},
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
            final WalVerdict before = WalVerdict.check(reader, err);
            if (before.state() == WalVerdict.State.CLEAN)
            {
                out.println("nothing to repair: " + before.describe());
                return ExitCodes.OK;
            }
            if (before.state() == WalVerdict.State.CORRUPT)
            {
                throw new CliFailure(ExitCodes.CORRUPT, "refusing to repair, nothing was changed: " + before.describe(),
                    before.corruption());
            }
            final List<SegmentReport> segmentsBefore = WalInspector.inspect(directory, options);
            final String cut = describeCut(directory, before, segmentsBefore);
            final long nextEntryId = resume(directory, options.withSegmentCapacity(capacity(segmentsBefore, options)));
            final WalReader.ScanSummary after = reader.verify(ReplayMode.STRICT);
            final long[] idsAfter = WalLayout.segmentIds(directory, options.walDir());

            out.println("repaired the WAL in " + wal.directory().root().resolve(options.walDir()) + ":");
            out.println("  before:  " + before.describe());
            if (cut != null)
            {
                out.println("  cut:     " + cut);
            }
            final List<Long> dropped = dropped(segmentsBefore, before.summary().discardedSegments());
            for (final long id : dropped)
            {
                out.println("  dropped: " + WalLayout.segmentPath(options.walDir(), id) + " (after the end of valid data)");
            }
            for (final long id : created(segmentsBefore, dropped, idsAfter))
            {
                out.println("  created: " + WalLayout.segmentPath(options.walDir(), id) + " (empty: the next append goes there)");
            }
            out.println("  after:   clean: " + WalVerdict.entries(after) + "; the next entry gets id " + nextEntryId);
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
    private static long resume(final Directory directory, final WalOptions options)
    {
        try (WalWriter<byte[]> writer = WalWriter.resume(directory, BytesCodec.INSTANCE, options))
        {
            return writer.nextEntryId();
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.LOCK_FAILED)
            {
                throw locked(ex);
            }
            if (WalVerdict.isDamage(ex))
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

    /** @return where the torn tail starts and which bytes resume will zero, or {@code null} when no frame is torn. */
    private static String describeCut(final Directory directory, final WalVerdict verdict, final List<SegmentReport> reports)
    {
        final DurabilityException tear = verdict.summary().tornTail();
        if (tear == null)
        {
            return null;
        }
        for (final SegmentReport r : reports)
        {
            if (r.path().equals(tear.file()) && r.header() != null)
            {
                // The inspector stops at the torn frame's start, which is where resume cuts.
                final int from = r.bytesUsed();
                final int to = lastNonZeroEnd(directory, r.path(), from, r.header().capacity());
                return r.path() + " at offset " + Text.count(from) + ": zeroed " + Text.count(to - from) +
                    " bytes [" + from + ", " + to + ")";
            }
        }
        return tear.file() + " at offset " + tear.offset();
    }

    /** @return one past the last non-zero byte in {@code [from, limit)}: the end of what resume zeroes. */
    private static int lastNonZeroEnd(final Directory directory, final String path, final int from, final int limit)
    {
        try (SegmentFile file = directory.openSegment(path, false))
        {
            final AtomicBuffer b = file.buffer();
            int i = Math.min(limit, file.capacity());
            while (i - 8 >= from && b.getLong(i - 8) == 0)
            {
                i -= 8;
            }
            while (i > from && b.getByte(i - 1) == 0)
            {
                i--;
            }
            return i;
        }
    }

    /** Segments best effort discards are always the last ones. */
    private static List<Long> dropped(final List<SegmentReport> before, final int discarded)
    {
        final List<Long> ids = new ArrayList<>();
        for (int i = before.size() - discarded; i < before.size(); i++)
        {
            ids.add(before.get(i).segmentId());
        }
        return ids;
    }

    private static List<Long> created(final List<SegmentReport> before, final List<Long> dropped, final long[] after)
    {
        final List<Long> kept = new ArrayList<>();
        for (final SegmentReport r : before)
        {
            if (!dropped.contains(r.segmentId()))
            {
                kept.add(r.segmentId());
            }
        }
        final List<Long> created = new ArrayList<>();
        for (final long id : after)
        {
            if (!kept.contains(id))
            {
                created.add(id);
            }
        }
        return created;
    }
}
