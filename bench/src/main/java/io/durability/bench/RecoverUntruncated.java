package io.durability.bench;

import io.durability.checkpoint.CheckpointFile;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexCodec;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Recovery of a WAL that was not truncated: {@code --entries} {@code AddSegment} entries in 16 MiB
 * segments, a checkpoint of the state at {@code --checkpoint-at} of them and its marker, nothing
 * deleted; then {@code RecoveryManager.recoverLatest} timed {@code --reps} times (median and minimum).
 * Recovery reads the whole WAL once to find the markers, then replays from the segment holding the
 * first entry after the checkpoint; before, it read the whole WAL twice.
 *
 * <pre>{@code
 * java -XX:+AlwaysPreTouch -Xms3g -Xmx3g --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *   -cp bench/target/benchmarks.jar io.durability.bench.RecoverUntruncated [--entries 5000000] \
 *   [--checkpoint-at 0.98] [--reps 11] [--dir /tmp]
 * }</pre>
 */
public final class RecoverUntruncated
{
    private RecoverUntruncated()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final java.util.Map<String, String> defaults = new java.util.LinkedHashMap<>();
        defaults.put("entries", "5000000");
        defaults.put("checkpoint-at", "0.98");
        defaults.put("reps", "11");
        defaults.put("dir", System.getProperty("java.io.tmpdir"));
        final java.util.Map<String, String> a = BenchArgs.parse(defaults, args);
        final long entries = Long.parseLong(a.get("entries"));
        final double at = Double.parseDouble(a.get("checkpoint-at"));
        final int reps = Integer.parseInt(a.get("reps"));
        final Path parent = Path.of(a.get("dir"));
        final Path root = Files.createTempDirectory(parent, "durability-recover-untruncated-");
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(16 << 20);
        final long checkpointAt = (long)(entries * at);
        try (MmapDirectory directory = MmapDirectory.open(root))
        {
            final SegmentIndexState state = new SegmentIndexState();
            try (WalWriter<WalEntry> w = WalWriter.create(directory, WalEntryCodec.INSTANCE, options))
            {
                for (long n = 1; n <= entries; n++)
                {
                    final WalEntry e = new WalEntry.AddSegment(n, 10);
                    final long id = w.append(e);
                    RecoveryManager.apply(state, id, e);
                    if (n == checkpointAt)
                    {
                        CheckpointFile.writeDurable(directory, "checkpoints/c.chk", id, state, SegmentIndexCodec.INSTANCE);
                        w.append(new WalEntry.Checkpoint("checkpoints/c.chk", id));
                    }
                }
            }
            final long segments;
            try (Stream<Path> s = Files.list(root.resolve(options.walDir())))
            {
                segments = s.count();
            }
            final long[] t = new long[reps];
            for (int r = 0; r < reps; r++)
            {
                final long t0 = System.nanoTime();
                final Recovered<SegmentIndexState> recovered = new RecoveryManager(directory).recoverLatest();
                t[r] = System.nanoTime() - t0;
                if (recovered.state().segmentCount() != entries)
                {
                    throw new IllegalStateException("recovered " + recovered.state().segmentCount() + " segments");
                }
            }
            Arrays.sort(t);
            System.out.printf(Locale.ROOT, "entries %d, checkpoint at %d, %d WAL segments of 16 MiB: recover median %.1f ms, min %.1f ms%n",
                entries, checkpointAt, segments, t[reps / 2] / 1e6, t[0] / 1e6);
        }
        finally
        {
            BenchFolders.delete(root);
        }
    }
}
