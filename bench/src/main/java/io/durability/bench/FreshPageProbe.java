package io.durability.bench;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Issue 28, item 4: what a first store into a fresh page of a file mapping costs, by how the file got
 * its blocks and how large the mapping is, on one thread, with nothing else running. The frame is the
 * raw proxy's ({@link AppendBenchmark.Raw#frame}); the files are prepared (and mapped, for the
 * per-file modes) before the timed loop, so the loop times the stores and their page faults only.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.durability.bench.FreshPageProbe --dir /tmp --payload 1024 \
 *     --total-mib 1024 --modes sparse-1g,sparse-64m,fallocate-64m,zero-fill-64m,zero-fill-64m-synced,prewritten-64m,\
 *     ours-default,ours-zero-fill,ours-fallocate
 * </pre>
 * Prints, per mode: ns per frame, minor faults per 4 KiB page written (from {@code /proc/thread-self/stat}).
 */
public final class FreshPageProbe
{
    private FreshPageProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> d = new LinkedHashMap<>();
        d.put("dir", System.getProperty("java.io.tmpdir"));
        d.put("payload", "1024");
        d.put("total-mib", "1024");
        d.put("rounds", "3");
        d.put("modes", "sparse-1g,sparse-64m,fallocate-64m,zero-fill-64m,zero-fill-64m-synced,prewritten-64m," +
            "ours-default,ours-zero-fill,ours-fallocate");
        final Map<String, String> a = BenchArgs.parse(d, args);
        final int payload = Integer.parseInt(a.get("payload"));
        final long total = Long.parseLong(a.get("total-mib")) << 20;
        for (int round = 0; round < Integer.parseInt(a.get("rounds")); round++)
        {
            for (final String mode : a.get("modes").split(","))
            {
                final Path folder = Files.createTempDirectory(Path.of(a.get("dir")), "fresh-page-");
                try
                {
                    run(mode, folder, payload, total, round);
                }
                finally
                {
                    BenchFolders.delete(folder);
                }
            }
        }
    }

    private static void run(final String mode, final Path folder, final int payload, final long total, final int round)
        throws IOException
    {
        if (mode.startsWith("ours"))
        {
            ours(mode, folder, payload, total, round);
            return;
        }
        final long fileBytes = mode.endsWith("-1g") ? 1L << 30 : 64L << 20;
        final int files = (int)Math.max(1, total / fileBytes);
        final List<MappedByteBuffer> maps = new ArrayList<>();
        final List<FileChannel> channels = new ArrayList<>();
        for (int i = 0; i < files; i++)
        {
            final Path file = folder.resolve("f" + i);
            final FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            if (mode.startsWith("sparse"))
            {
                ch.truncate(0);
                ch.write(ByteBuffer.allocate(1), fileBytes - 1); // a hole of fileBytes - 1, no blocks
            }
            else if (mode.startsWith("fallocate"))
            {
                BenchNative.fallocate(file, fileBytes);
                if (mode.contains("-zero"))
                {
                    // Reserved and durable as unwritten extents (zeros after any crash); then zeros written
                    // through write(2), not synced: the page cache holds the pages, dirty, and the disk gets
                    // them only if the writer has not overwritten them before writeback.
                    ch.force(false);
                    final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 16);
                    for (long p = 0; p < fileBytes; p += zeros.capacity())
                    {
                        zeros.clear();
                        ch.write(zeros, p);
                    }
                }
                if (mode.contains("-read"))
                {
                    // The reserved (unwritten) extents read as zeros without a disk read: read(2) leaves the
                    // page cache holding the file's pages, clean, without mapping them here.
                    final ByteBuffer sink = ByteBuffer.allocateDirect(1 << 16);
                    for (long p = 0; p < fileBytes; p += sink.capacity())
                    {
                        sink.clear();
                        ch.read(sink, p);
                    }
                }
            }
            else
            {
                final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 16);
                for (long p = 0; p < fileBytes; p += zeros.capacity())
                {
                    zeros.clear();
                    ch.write(zeros, p);
                }
                if (mode.endsWith("synced") || mode.startsWith("prewritten"))
                {
                    ch.force(false);
                }
            }
            final MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, fileBytes);
            if (mode.startsWith("prewritten"))
            {
                // Every page stored once before (and written back): what a pre-touch leaves, then writeback.
                for (int p = 0; p < fileBytes; p += 4096)
                {
                    map.put(p, (byte)0);
                }
                map.force();
            }
            maps.add(map);
            channels.add(ch);
        }
        final UnsafeBuffer value = BenchPayloads.direct(payload);
        final int slot = (24 + payload + 7) & ~7;
        final CRC32C crc = new CRC32C();
        final long faultsBefore = minorFaults();
        final long start = System.nanoTime();
        long frames = 0;
        for (final MappedByteBuffer map : maps)
        {
            final UnsafeBuffer b = new UnsafeBuffer(map);
            final ByteBuffer view = map.duplicate();
            for (int at = 0; at + slot <= map.capacity(); at += slot)
            {
                AppendBenchmark.Raw.frame(b, view, crc, at, value, payload, ++frames);
            }
        }
        final long nanos = System.nanoTime() - start;
        final long faults = minorFaults() - faultsBefore;
        final double pages = (double)frames * slot / 4096;
        System.out.printf("round %d %-22s payload %5d: %8.1f ns/frame, %.3f faults per page, %6.2f us per page%n",
            round, mode, payload, (double)nanos / frames, faults / pages, nanos / pages / 1000);
        for (int i = 0; i < maps.size(); i++)
        {
            IoUtil.unmap(maps.get(i));
            channels.get(i).close();
        }
    }

    /**
     * {@code ours-default}, {@code ours-zero-fill}, {@code ours-fallocate}: the same bytes through the public
     * API ({@code WalWriter.append} on an {@code MmapDirectory}, 64 MiB segments, rolls and spare waits
     * inside the loop).
     */
    private static void ours(final String mode, final Path folder, final int payload, final long total, final int round)
        throws IOException
    {
        io.durability.storage.mmap.MmapOptions o = io.durability.storage.mmap.MmapOptions.defaults();
        if (mode.equals("ours-zero-fill"))
        {
            o = o.withPreallocation(io.durability.storage.mmap.Preallocation.ZERO_FILL);
        }
        else if (mode.equals("ours-fallocate"))
        {
            o = o.withPreallocation(io.durability.storage.mmap.Preallocation.FALLOCATE);
        }
        else if (mode.equals("ours-cache"))
        {
            o = o.withPreTouch(io.durability.storage.mmap.PreTouch.CACHE);
        }
        else if (mode.equals("ours-pretouch-read"))
        {
            o = o.withPreTouch(io.durability.storage.mmap.PreTouch.READ);
        }
        final UnsafeBuffer value = BenchPayloads.direct(payload);
        final int slot = (24 + payload + 7) & ~7;
        final long n = total / slot;
        try (io.durability.storage.mmap.MmapDirectory dir = io.durability.storage.mmap.MmapDirectory.open(folder, o);
            io.durability.walog.WalWriter<org.agrona.DirectBuffer> w = io.durability.walog.WalWriter.create(dir,
                io.durability.codec.DirectBufferCodec.INSTANCE))
        {
            final long faultsBefore = minorFaults();
            final long start = System.nanoTime();
            for (long i = 0; i < n; i++)
            {
                w.append(value);
            }
            final long nanos = System.nanoTime() - start;
            final long faults = minorFaults() - faultsBefore;
            final double pages = (double)n * slot / 4096;
            final io.durability.storage.mmap.MmapMetrics m = dir.metrics();
            System.out.printf("round %d %-22s payload %5d: %8.1f ns/frame, %.3f faults per page, %6.2f us per page;" +
                " rolls %d, without a spare %d, spare waits %d (%.1f ms)%n", round, mode, payload, (double)nanos / n,
                faults / pages, nanos / pages / 1000, w.metrics().rolls(), w.metrics().rollsWithoutSpare(),
                m.spareWaits(), m.spareWaitNanos() / 1e6);
        }
    }

    private static long minorFaults() throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    }
}
