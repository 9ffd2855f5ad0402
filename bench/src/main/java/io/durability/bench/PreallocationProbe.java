package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.Preallocation;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Issue 14 diagnostic: what {@link Preallocation}, ranged barriers and the page warmer change,
 * through the public API with otherwise default options, interleaved (every configuration once per
 * round) so that the drift of a shared disk hits them alike. Per round and allocation: (1) sustained {@code append} of 64 B and 1 KiB
 * payloads across several 64 MiB segments (first stores into fresh pages and the rolls included),
 * ns/append; (2) {@code flushAndSync} after every 64 appends of 64 B, us/barrier (unwritten extents
 * are converted at writeback, which may cost the barrier). Medians over the rounds.
 * {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * io.durability.bench.PreallocationProbe /tmp 5 [out.json]}
 */
public final class PreallocationProbe
{
    private PreallocationProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String parent = args.length > 0 ? args[0] : "/tmp";
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final String out = args.length > 2 ? args[2] : null;
        final String[] keys = {"default", "fallocate", "rangedMsync", "warmer", "fallocateWarmer"};
        final String[] names = {"zero-fill, fdatasync", "fallocate, fdatasync", "zero-fill, ranged msync",
            "zero-fill + warmer 1 MiB", "fallocate + warmer 1 MiB"};
        // Every configuration explicit, whatever MmapOptions.defaults() is.
        final MmapOptions z = MmapOptions.defaults().withPreallocation(Preallocation.ZERO_FILL).withPageWarmer(0)
            .withRangedBarriers(false);
        final MmapOptions f = z.withPreallocation(Preallocation.FALLOCATE);
        final MmapOptions[] kinds = {z, f, z.withRangedBarriers(true), z.withPageWarmer(1 << 20),
            f.withPageWarmer(1 << 20)};
        final double[][] append64 = new double[kinds.length][rounds];
        final double[][] append1k = new double[kinds.length][rounds];
        final double[][] sync = new double[kinds.length][rounds];
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < kinds.length; k++)
            {
                append64[k][r] = append(parent, kinds[k], 64, 3_000_000);
                append1k[k][r] = append(parent, kinds[k], 1024, 300_000);
                sync[k][r] = syncEvery64(parent, kinds[k], 2_000);
            }
        }
        System.out.println("JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") +
            "; files in " + parent + "; " + rounds + " rounds, medians");
        final StringBuilder json = new StringBuilder("{\"dir\": \"" + parent + "\", \"rounds\": " + rounds);
        for (int k = 0; k < kinds.length; k++)
        {
            System.out.printf(Locale.ROOT, "%-32s append 64 B %8.1f ns   append 1 KiB %8.1f ns   flushAndSync/64 %8.1f us%n",
                names[k], median(append64[k]), median(append1k[k]), median(sync[k]));
            json.append(String.format(Locale.ROOT, ", \"%s.name\": \"%s\", \"%s.append64Ns\": %.1f, " +
                "\"%s.append1kNs\": %.1f, \"%s.syncEvery64Us\": %.1f", keys[k], names[k], keys[k], median(append64[k]),
                keys[k], median(append1k[k]), keys[k], median(sync[k])));
        }
        if (out != null)
        {
            java.nio.file.Files.writeString(Path.of(out), json.append("}\n").toString());
        }
    }

    private static MmapDirectory open(final Path folder, final MmapOptions kind)
    {
        return MmapDirectory.open(folder, kind);
    }

    private static double append(final String parent, final MmapOptions kind, final int size, final int n)
        throws Exception
    {
        final Path folder = BenchFolders.create(parent, true, "prealloc");
        try (MmapDirectory dir = open(folder, kind);
            WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, WalOptions.defaults()))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
            payload.setMemory(0, size, (byte)7);
            long segment = w.currentSegmentId();
            final long t0 = System.nanoTime();
            for (int i = 0; i < n; i++)
            {
                w.append(payload);
                if (w.currentSegmentId() != segment)
                {
                    segment = w.currentSegmentId();
                    w.deleteSegmentsCoveredBy(w.lastEntryId());
                }
            }
            return (System.nanoTime() - t0) / (double)n;
        }
        finally
        {
            BenchFolders.delete(folder);
        }
    }

    private static double syncEvery64(final String parent, final MmapOptions kind, final int barriers)
        throws Exception
    {
        final Path folder = BenchFolders.create(parent, true, "prealloc-sync");
        try (MmapDirectory dir = open(folder, kind);
            WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, WalOptions.defaults()))
        {
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            final long[] took = new long[barriers];
            for (int b = 0; b < barriers; b++)
            {
                for (int i = 0; i < 64; i++)
                {
                    w.append(payload);
                }
                final long t0 = System.nanoTime();
                w.flushAndSync();
                took[b] = System.nanoTime() - t0;
            }
            return median(Arrays.stream(took).asDoubleStream().toArray()) / 1e3;
        }
        finally
        {
            BenchFolders.delete(folder);
        }
    }

    private static double median(final double[] v)
    {
        final double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
