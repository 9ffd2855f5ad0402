package io.durability.cli;

import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code durability demo}: write, sync, checkpoint, truncate and recover a real WAL, with figures. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Append entries to a WAL on memory-mapped files, sync, publish a checkpoint, truncate, and recover.")
public final class DemoCommand implements Callable<Integer>
{
    @Parameters(index = "0", arity = "0..1", description = "Folder for the WAL (default: a new temporary folder).")
    Path dir;

    @Option(names = "--entries", defaultValue = "1000000", description = "Entries to append (default: ${DEFAULT-VALUE}).")
    int entries;

    @Option(names = "--segment-mib", defaultValue = "16", description = "Segment size in MiB (default: ${DEFAULT-VALUE}).")
    int segmentMib;

    @Option(names = "--sync-every", defaultValue = "10000", description = "flushAndSync every N entries (default: ${DEFAULT-VALUE}).")
    int syncEvery;

    @Override
    public Integer call() throws IOException
    {
        final PrintStream out = System.out;
        final Path root = dir != null ? dir : Files.createTempDirectory("durability-demo-");
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(segmentMib * 1024 * 1024);
        out.println("durability demo: " + entries + " entries into " + root);
        try (MmapDirectory directory = MmapDirectory.open(root))
        {
            final long syncs;
            final long appendNanos;
            final long syncNanos;
            final PublishResult published;
            final long segmentsBefore;
            try (WalWriter<WalEntry> w = WalWriter.resume(directory, WalEntryCodec.INSTANCE, options))
            {
                final long first = w.nextEntryId();
                long appendTime = 0;
                long syncTime = 0;
                long n = 0;
                long t0 = System.nanoTime();
                for (int i = 0; i < entries; i++)
                {
                    final long id = first + i;
                    if (i % 10 == 9)
                    {
                        w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(id - 1, i % 1000))));
                    }
                    else
                    {
                        w.append(new WalEntry.AddSegment(id, i % 1000));
                    }
                    if ((i + 1) % syncEvery == 0)
                    {
                        final long t1 = System.nanoTime();
                        appendTime += t1 - t0;
                        w.flushAndSync();
                        t0 = System.nanoTime();
                        syncTime += t0 - t1;
                        n++;
                    }
                }
                appendTime += System.nanoTime() - t0;
                final long t1 = System.nanoTime();
                w.flushAndSync();
                syncTime += System.nanoTime() - t1;
                syncs = n + 1;
                appendNanos = appendTime;
                syncNanos = syncTime;
                segmentsBefore = w.segments().size();
                final SegmentIndexState state = new RecoveryManager(directory, options).recoverLatest().state();
                published = CheckpointPublisher.forSegmentIndex(directory, w).publish(state, w.lastEntryId());
            }
            out.printf("append:   %,d entries in %.1f ms = %.1f ns/entry (%,.0f entries/s)%n", entries,
                appendNanos / 1e6, (double)appendNanos / entries, entries / (appendNanos / 1e9));
            out.printf("sync:     %,d flushAndSync calls, %.1f us each on average%n", syncs, syncNanos / 1e3 / syncs);
            out.printf("publish:  checkpoint %s (through entry %,d), marker entry %,d, %d of %d segments truncated%n",
                published.checkpointPath(), published.checkpointLastEntryId(), published.markerEntryId(),
                published.deletedSegments(), segmentsBefore);
            final long t2 = System.nanoTime();
            final Recovered<SegmentIndexState> recovered = new RecoveryManager(directory, options).recoverLatest();
            final long recoverNanos = System.nanoTime() - t2;
            out.printf("recover:  %,d segments live, last entry %,d, %,d entries replayed after the checkpoint, %.1f ms%n",
                recovered.state().segments().size(), recovered.lastEntryId(), recovered.replayed(), recoverNanos / 1e6);
        }
        return 0;
    }
}
