package io.durability.bench;

import io.durability.codec.BytesCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.PreTouch;
import io.durability.codec.DirectBufferCodec;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.IoUtil;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 6 diagnostics: what limits the numbers in {@code RESULTS.md} on this machine. Not a benchmark
 * harness (single runs, {@code System.nanoTime}), just the mechanisms, measured:
 * <ol>
 *   <li>the cost of the first store to each 4 KiB page of a freshly prepared mapped file, by how the
 *   file was prepared (our spares: zero-filled, {@code fdatasync}ed and read-pre-touched);</li>
 *   <li>the cost of a read fault per page when a page-cached file is mapped again (replay);</li>
 *   <li>{@code fdatasync} with one dirty page against two (frame tail + the segment header's durable
 *   watermark, which {@code flushAndSync} rewrites at each barrier);</li>
 *   <li>sustained {@code WalWriter.append} of 64 B with each {@link PreTouch} mode;</li>
 *   <li>{@code fdatasync} after one 256-byte store into a file zero-filled with 64 KiB against 1 MiB
 *   writes (the write size sets the page-cache folio size, and a barrier writes whole folios);</li>
 *   <li>{@code flushAndSync} against a raw store plus {@code fdatasync}, and a raw store plus ranged
 *   {@code msync}, of the same frames, interleaved one for one so that the drift of a shared virtual
 *   disk hits all three alike (medians; ratio to the faster raw barrier), per append and per batch of
 *   64.</li>
 * </ol>
 * {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * io.durability.bench.Probes /tmp bench/results/probes.json}
 */
public final class Probes
{
    private static final int CAPACITY = 64 * 1024 * 1024;
    private static final int PAGE = 4096;
    private static final int PAGES = CAPACITY / PAGE;

    private Probes()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        final Map<String, Double> out = new LinkedHashMap<>();
        final Path folder = Files.createTempDirectory(dir, "probes");
        try
        {
            final String[] modes = {"zeroSyncReadTouch", "zeroSync", "sparse"};
            for (int round = 0; round < 2; round++)
            {
                for (String mode : modes)
                {
                    out.put("firstWriteUsPerPage." + mode, firstWrite(folder, mode));
                }
            }
            out.put("readFaultUsPerPage", readFault(folder));
            out.put("fdatasyncUs.onePage", sync(folder, false));
            out.put("fdatasyncUs.twoPages", sync(folder, true));
            out.put("fdatasyncUs.onePage", sync(folder, false));
            out.put("fdatasyncUs.twoPages", sync(folder, true));
            for (int round = 0; round < 2; round++)
            {
                for (final PreTouch mode : PreTouch.values())
                {
                    out.put("walAppend64NsSustained.preTouch" + mode, append(folder, mode));
                }
            }
            for (int round = 0; round < 2; round++)
            {
                out.put("fdatasyncUs.after256B.zeroFill64KiB", folioSync(folder, 64 * 1024));
                out.put("fdatasyncUs.after256B.zeroFill1MiB", folioSync(folder, 1024 * 1024));
            }
            for (final int batch : new int[] {1, 64})
            {
                barrierPair(folder, batch, out);
            }
        }
        finally
        {
            BenchFolders.delete(folder);
        }
        final StringBuilder json = new StringBuilder("{\"dir\": \"").append(dir).append('"');
        out.forEach((k, v) -> json.append(", \"").append(k).append("\": ").append(String.format(Locale.ROOT, "%.3f", v)));
        json.append('}');
        System.out.println(json);
        if (args.length > 1)
        {
            try (PrintStream ps = new PrintStream(Files.newOutputStream(Path.of(args[1]))))
            {
                ps.println(json);
            }
        }
    }

    private static FileChannel prepared(final Path file, final boolean sparse) throws IOException
    {
        final FileChannel channel = FileChannel.open(file,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (sparse)
        {
            channel.write(ByteBuffer.allocate(1), CAPACITY - 1);
        }
        else
        {
            BenchFolders.allocate(channel, CAPACITY); // zero-fill through the channel, then fdatasync
        }
        return channel;
    }

    /** @return microseconds per page for the first store to each page. */
    private static double firstWrite(final Path folder, final String mode) throws IOException
    {
        final Path file = folder.resolve("first-write");
        try (FileChannel channel = prepared(file, "sparse".equals(mode)))
        {
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            long sum = 0;
            if ("zeroSyncReadTouch".equals(mode))
            {
                for (int i = 0; i < CAPACITY; i += PAGE)
                {
                    sum += map.get(i);
                }
            }
            final long start = System.nanoTime();
            for (int i = 0; i < CAPACITY; i += PAGE)
            {
                map.put(i, (byte)1);
            }
            final double us = (System.nanoTime() - start) / 1000.0 / PAGES + sum;
            IoUtil.unmap(map);
            return us;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static double readFault(final Path folder) throws IOException
    {
        final Path file = folder.resolve("read-fault");
        try (FileChannel channel = prepared(file, false))
        {
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++)
            {
                final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, CAPACITY);
                long sum = 0;
                final long start = System.nanoTime();
                for (int i = 0; i < CAPACITY; i += PAGE)
                {
                    sum += map.get(i);
                }
                best = Math.min(best, (System.nanoTime() - start) / 1000.0 / PAGES + sum);
                IoUtil.unmap(map);
            }
            return best;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static double sync(final Path folder, final boolean header) throws IOException
    {
        final Path file = folder.resolve("sync");
        try (FileChannel channel = prepared(file, false))
        {
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 16 * 1024 * 1024);
            int offset = 1024 * 1024;
            final int n = 200;
            final long start = System.nanoTime();
            for (int i = 0; i < n; i++)
            {
                map.putLong(offset, i);
                offset += 88;
                if (header)
                {
                    map.putInt(48, i);
                }
                channel.force(false);
            }
            final double us = (System.nanoTime() - start) / 1000.0 / n;
            IoUtil.unmap(map);
            return us;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    /** @return mean microseconds of {@code fdatasync} after one 256-byte store, by zero-fill write size. */
    private static double folioSync(final Path folder, final int chunk) throws IOException
    {
        final Path file = folder.resolve("folio");
        try (FileChannel channel = FileChannel.open(file,
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            BenchFolders.allocate(channel, CAPACITY, chunk);
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            int offset = 64;
            final int n = 300;
            final long start = System.nanoTime();
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < 256; k += 8)
                {
                    map.putLong(offset + k, i);
                }
                offset += 256;
                channel.force(false);
            }
            final double us = (System.nanoTime() - start) / 1000.0 / n;
            IoUtil.unmap(map);
            return us;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Alternate, {@code pairs} times: {@code batch} raw 88-byte frame stores plus {@code fdatasync}
     * into a prepared file, the same plus a ranged {@code msync} ({@code MappedByteBuffer.force(index,
     * length)}), then {@code batch} 64-byte {@code WalWriter.append}s plus {@code flushAndSync}.
     * Records the median of each and our ratio to the faster raw one.
     */
    private static void barrierPair(final Path folder, final int batch, final Map<String, Double> out) throws IOException
    {
        final Path root = Files.createTempDirectory(folder, "pair");
        final Path file = root.resolve("raw");
        final int pairs = batch == 1 ? 1500 : 600;
        final long[] raw = new long[pairs];
        final long[] msync = new long[pairs];
        final long[] ours = new long[pairs];
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
        try (FileChannel channel = FileChannel.open(file,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            MmapDirectory directory = MmapDirectory.open(root.resolve("wal-root"));
            WalWriter<DirectBuffer> writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE,
                WalOptions.defaults().withSegmentCapacity(CAPACITY)))
        {
            BenchFolders.allocate(channel, CAPACITY);
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            writer.flushAndSync();
            int offset = 64;
            for (int i = -100; i < pairs; i++)
            {
                long start = System.nanoTime();
                for (int f = 0; f < batch; f++)
                {
                    for (int k = 0; k < 88; k += 8)
                    {
                        map.putLong(offset + k, i);
                    }
                    offset += 88;
                }
                channel.force(false);
                final long rawNs = System.nanoTime() - start;
                start = System.nanoTime();
                final int msyncFrom = offset;
                for (int f = 0; f < batch; f++)
                {
                    for (int k = 0; k < 88; k += 8)
                    {
                        map.putLong(offset + k, i);
                    }
                    offset += 88;
                }
                map.force(msyncFrom, offset - msyncFrom);
                final long msyncNs = System.nanoTime() - start;
                start = System.nanoTime();
                for (int f = 0; f < batch; f++)
                {
                    writer.append(payload);
                }
                writer.flushAndSync();
                final long oursNs = System.nanoTime() - start;
                if (i >= 0)
                {
                    raw[i] = rawNs;
                    msync[i] = msyncNs;
                    ours[i] = oursNs;
                }
            }
            IoUtil.unmap(map);
        }
        finally
        {
            BenchFolders.delete(root);
        }
        Arrays.sort(raw);
        Arrays.sort(msync);
        Arrays.sort(ours);
        final double rawMedian = raw[pairs / 2] / 1000.0;
        final double msyncMedian = msync[pairs / 2] / 1000.0;
        final double oursMedian = ours[pairs / 2] / 1000.0;
        out.put("barrierPair.batch" + batch + ".rawFdatasyncMedianUs", rawMedian);
        out.put("barrierPair.batch" + batch + ".rawMsyncMedianUs", msyncMedian);
        out.put("barrierPair.batch" + batch + ".flushAndSyncMedianUs", oursMedian);
        out.put("barrierPair.batch" + batch + ".ratio", oursMedian / Math.min(rawMedian, msyncMedian));
    }

    private static double append(final Path folder, final PreTouch preTouch) throws IOException
    {
        final Path root = Files.createTempDirectory(folder, "wal");
        final byte[] payload = new byte[64];
        try (MmapDirectory directory = MmapDirectory.open(root, MmapOptions.defaults().withPreTouch(preTouch));
            WalWriter<byte[]> writer = WalWriter.create(directory, BytesCodec.INSTANCE, WalOptions.defaults()))
        {
            long segment = writer.currentSegmentId();
            final int n = 3_000_000;
            long start = 0;
            for (int i = -1_000_000; i < n; i++)
            {
                if (i == 0)
                {
                    start = System.nanoTime();
                }
                writer.append(payload);
                if (writer.currentSegmentId() != segment)
                {
                    segment = writer.currentSegmentId();
                    writer.deleteSegmentsCoveredBy(writer.lastEntryId());
                }
            }
            return (System.nanoTime() - start) / (double)n;
        }
        finally
        {
            BenchFolders.delete(root);
        }
    }
}
