package io.durability.bench;

import io.durability.storage.SegmentFile;
import io.durability.storage.mmap.MmapDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code MmapDirectory.createSegment} costs the calling thread when a prepared spare is ready
 * (the directory's part of a WAL roll): {@code --count} segments of {@code --capacity} bytes, created
 * one after another with {@code --pause-ms} between them (time for the next spare), each closed after
 * the next is created; prints the median, p90 and maximum (the first 10 left out) and the
 * directory's metrics (spares taken, waits). Run it with {@code -Xcomp} beside a plain run to see
 * what the interpreter adds to a path that runs too rarely to be compiled.
 *
 * <pre>{@code
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *   io.durability.bench.CreateSegmentProbe [--count 120] [--capacity 4194304] [--pause-ms 60] [--dir /tmp]
 * }</pre>
 */
public final class CreateSegmentProbe
{
    private CreateSegmentProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("count", "120");
        defaults.put("capacity", String.valueOf(4 << 20));
        defaults.put("pause-ms", "60");
        defaults.put("dir", System.getProperty("java.io.tmpdir"));
        final Map<String, String> a = BenchArgs.parse(defaults, args);
        final int count = Integer.parseInt(a.get("count"));
        final int capacity = Integer.parseInt(a.get("capacity"));
        final long pause = Long.parseLong(a.get("pause-ms"));
        if (count <= 20)
        {
            throw new IllegalArgumentException("--count above 20 (the first 10 are left out): " + count);
        }
        final Path root = Files.createTempDirectory(Path.of(a.get("dir")), "durability-create-segment-");
        try (MmapDirectory directory = MmapDirectory.open(root))
        {
            directory.createDirectories("w");
            final long[] nanos = new long[count];
            SegmentFile previous = null;
            for (int i = 0; i < count; i++)
            {
                Thread.sleep(pause);
                final long t0 = System.nanoTime();
                final SegmentFile segment = directory.createSegment("w/s-" + i, capacity);
                nanos[i] = System.nanoTime() - t0;
                segment.buffer().putLong(64, i + 1);
                if (previous != null)
                {
                    previous.close();
                }
                previous = segment;
            }
            previous.close();
            final long[] measured = Arrays.copyOfRange(nanos, 10, count);
            Arrays.sort(measured);
            System.out.println(directory.metrics());
            System.out.printf(Locale.ROOT, "createSegment with a ready spare: p50 %.1f us, p90 %.1f us, max %.1f us (%d of %d)%n",
                measured[measured.length / 2] / 1e3, measured[measured.length * 9 / 10] / 1e3,
                measured[measured.length - 1] / 1e3, measured.length, count);
        }
        finally
        {
            BenchFolders.delete(root);
        }
    }
}
