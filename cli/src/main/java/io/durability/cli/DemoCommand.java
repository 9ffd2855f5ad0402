package io.durability.cli;

import io.durability.walog.WalLayout;
import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalMaintenance;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code durability demo}: append, sync, publish a checkpoint, truncate and recover a real WAL on
 * memory-mapped files, printing one line of figures per phase.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Append, sync, checkpoint, truncate and recover a real WAL, with figures.",
        "One line per phase. Without DIR it uses a temporary folder, deleted afterwards unless --keep."})
public final class DemoCommand implements Callable<Integer>
{
    /** The largest segment: a segment is one mapping, and a mapping is less than 2 GiB. */
    static final int MAX_SEGMENT_MIB = 2047;

    /** Entries between progress updates: the append loop is what is measured, so it is disturbed rarely. */
    private static final int PROGRESS_EVERY = 1 << 14;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
        description = "Folder for the WAL, kept afterwards (default: a temporary folder, deleted afterwards).")
    Path dir;

    @Option(names = "--entries", defaultValue = "1000000", description = "Entries to append (default: ${DEFAULT-VALUE}).")
    int entries;

    @Option(names = "--segment-mib", defaultValue = "16",
        description = "Segment size in MiB, 1..2047 (default: ${DEFAULT-VALUE}).")
    int segmentMib;

    @Option(names = "--sync-every", defaultValue = "10000", description = "flushAndSync every N entries (default: ${DEFAULT-VALUE}).")
    int syncEvery;

    @Option(names = "--keep", description = "Keep the temporary folder (to run inspect, dump or verify on it).")
    boolean keep;

    /** Figures of the append phase. */
    private record Appended(long entries, long bytes, long appendNanos, long syncs, long syncNanos, long maxSyncNanos,
        int segments)
    {
    }

    @Override
    public Integer call() throws IOException
    {
        // Every argument is checked before anything is created: bad usage leaves nothing behind.
        if (entries < 1 || syncEvery < 1)
        {
            throw new CliFailure(ExitCodes.USAGE, "--entries and --sync-every must be positive (found " + entries +
                " and " + syncEvery + ")");
        }
        if (segmentMib < 1 || segmentMib > MAX_SEGMENT_MIB)
        {
            throw new CliFailure(ExitCodes.USAGE, "--segment-mib must be 1.." + MAX_SEGMENT_MIB +
                " (a segment is one mapping of less than 2 GiB), found " + segmentMib);
        }
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(segmentMib * 1024 * 1024);
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Path root = dir != null ? dir : Files.createTempDirectory("durability-demo-");
        // An interrupted demo (Ctrl-C, kill) deletes its temporary folder too.
        final Thread cleanup = dir == null && !keep ? new Thread(() -> deleteOnInterrupt(root, err), "durability-demo-cleanup") :
            null;
        if (cleanup != null)
        {
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        out.println("durability demo: " + Text.count(entries) + " entries into " + root);
        out.flush();
        try (MmapDirectory directory = MmapDirectory.open(root))
        {
            final Appended a;
            final PublishResult published;
            final long publishNanos;
            try (WalWriter<WalEntry> w = WalWriter.resume(directory, WalEntryCodec.INSTANCE, options))
            {
                a = append(w);
                out.println(Text.format("append   %s entries, %s, %,.0f appends/s, %.1f ns/append, %d segment%s",
                    Text.count(a.entries), Text.bytes(a.bytes), a.entries / (a.appendNanos / 1e9),
                    (double)a.appendNanos / a.entries, a.segments, a.segments == 1 ? "" : "s"));
                out.println(Text.format("sync     %s flushAndSync, %.1f us average, %.1f us max",
                    Text.count(a.syncs), a.syncNanos / 1e3 / a.syncs, a.maxSyncNanos / 1e3));
                out.flush();
                final long t0 = System.nanoTime();
                published = Progress.whileRunning(err, "publish: recovering the state, writing the checkpoint", () ->
                {
                    final SegmentIndexState state = new RecoveryManager(directory, options).recoverLatest().state();
                    return CheckpointPublisher.forSegmentIndex(directory, w).publish(state, w.lastEntryId());
                });
                publishNanos = System.nanoTime() - t0;
            }
            out.println(Text.format("publish  %s through entry %s, marker entry %s, %d of %d segments truncated, %.1f ms",
                published.checkpointPath(), Text.count(published.checkpointLastEntryId()),
                Text.count(published.markerEntryId()), published.deletedSegments(), a.segments, publishNanos / 1e6));
            final long t1 = System.nanoTime();
            final Recovered<SegmentIndexState> recovered = Progress.whileRunning(err, "recover",
                () -> new RecoveryManager(directory, options).recoverLatest());
            final long recoverNanos = System.nanoTime() - t1;
            final int walSegments = WalMaintenance.segmentRanges(directory, options).size();
            out.println(Text.format("recover  %.1f ms: checkpoint + %s entr%s replayed, last entry %s, %d WAL segment%s, " +
                    "%s index segments in the state",
                recoverNanos / 1e6, Text.count(recovered.replayed()), recovered.replayed() == 1 ? "y" : "ies",
                Text.count(recovered.lastEntryId()), walSegments, walSegments == 1 ? "" : "s",
                Text.count(recovered.state().segmentCount())));
        }
        finally
        {
            if (cleanup != null)
            {
                deleteTree(root);
                removeHook(cleanup);
            }
        }
        if (dir != null || keep)
        {
            out.println("kept " + root + ": try 'durability inspect " + root + "'");
        }
        return ExitCodes.OK;
    }

    private Appended append(final WalWriter<WalEntry> w)
    {
        final long first = w.nextEntryId();
        final long firstSegment = w.currentSegmentId();
        long appendTime = 0;
        long syncTime = 0;
        long maxSync = 0;
        long syncs = 0;
        long deletes = 0;
        try (Progress progress = Progress.bar(spec.commandLine().getErr(), "append", entries, Text::count))
        {
            long t0 = System.nanoTime();
            for (int i = 0; i < entries; i++)
            {
                final long id = first + i;
                if (i % 10 == 9)
                {
                    w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(id - 1, i % 1000))));
                    deletes++;
                }
                else
                {
                    w.append(new WalEntry.AddSegment(id, i % 1000));
                }
                final boolean sync = (i + 1) % syncEvery == 0 || i + 1 == entries;
                if (sync || (i + 1) % PROGRESS_EVERY == 0)
                {
                    final long t1 = System.nanoTime();
                    appendTime += t1 - t0;
                    if (sync)
                    {
                        w.flushAndSync();
                        final long took = System.nanoTime() - t1;
                        syncTime += took;
                        maxSync = Math.max(maxSync, took);
                        syncs++;
                    }
                    progress.update(i + 1L);
                    t0 = System.nanoTime();
                }
            }
        }
        final long bytes = deletes * frameBytes(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 1)))) +
            (entries - deletes) * frameBytes(new WalEntry.AddSegment(1, 1));
        return new Appended(entries, bytes, appendTime, syncs, syncTime, maxSync,
            (int)(w.currentSegmentId() - firstSegment + 1));
    }

    private static long frameBytes(final WalEntry entry)
    {
        return WalLayout.frameLength(WalEntryCodec.encodedLength(entry));
    }

    private static void removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // Shutting down already: the hook runs, and finds nothing to delete.
        }
    }

    /**
     * Runs at JVM shutdown when the demo did not finish (interrupted): deletes the temporary folder
     * while the appending thread may still create files in it, so it tries a few times.
     */
    private static void deleteOnInterrupt(final Path root, final PrintWriter err)
    {
        if (!Files.exists(root))
        {
            return;
        }
        for (int attempt = 0; attempt < 5 && Files.exists(root); attempt++)
        {
            try
            {
                deleteTree(root);
            }
            catch (final UncheckedIOException ex)
            {
                Thread.onSpinWait();
            }
        }
        err.println(Files.exists(root) ? "durability demo: interrupted; could not delete " + root :
            "durability demo: interrupted; deleted " + root);
        err.flush();
    }

    private static void deleteTree(final Path root)
    {
        try
        {
            Files.walkFileTree(root, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path folder, final IOException ex) throws IOException
                {
                    Files.delete(folder);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete the demo folder " + root + ": " + ex.getMessage(), ex);
        }
    }
}
