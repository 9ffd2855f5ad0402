package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalTailer;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 15: writer-to-tailer latency at a fixed rate, ours ({@link WalTailer}, frames in place) beside
 * Chronicle Queue's appender and {@code ExcerptTailer}, between two threads of one process or between
 * two processes; and the time to open a tailer at an id of a 1 GiB WAL (a seek).
 *
 * <p>The writer appends 64 B entries on a fixed schedule; each entry carries the instant it was
 * <em>intended</em> to be written ({@code System.nanoTime()}, the same clock in every process of a Linux
 * machine), and the tailer records {@code received - intended}: a stall of either side is charged to
 * every entry queued behind it (no coordinated omission). The tailer spins on {@code poll}.
 *
 * <pre>
 * java [Agrona and Chronicle flags] -cp bench/target/benchmarks.jar io.durability.bench.TailerLatency \
 *     --system ours|chronicle --across threads|processes --ops 10000000 --warmup 1000000 --rate 100000 \
 *     --dir /tmp --out bench/results/tailer-ours-threads.json
 * java ... io.durability.bench.TailerLatency --seek 1024 --dir /tmp --out bench/results/tailer-seek.json
 * </pre>
 */
public final class TailerLatency
{
    private TailerLatency()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> d = new LinkedHashMap<>();
        d.put("system", "ours");
        d.put("across", "threads");
        d.put("ops", "2000000");
        d.put("warmup", "200000");
        d.put("rate", "100000");
        d.put("payload", "64");
        d.put("segment-mib", "16");
        d.put("dir", System.getProperty("java.io.tmpdir"));
        d.put("out", "");
        d.put("role", "");
        d.put("seek", "0");
        final Map<String, String> a = BenchArgs.parse(d, args);
        if (a.get("role").equals("writer"))
        {
            writer(a, Path.of(a.get("dir")));
            return;
        }
        BenchArgs.report(Integer.parseInt(a.get("seek")) > 0 ? seek(a) : latency(a), a.get("out"));
    }

    private static Map<String, Object> latency(final Map<String, String> a) throws Exception
    {
        final String system = a.get("system");
        final boolean processes = a.get("across").equals("processes");
        final long total = Long.parseLong(a.get("warmup")) + Long.parseLong(a.get("ops"));
        final long warmup = Long.parseLong(a.get("warmup"));
        final Path folder = Files.createTempDirectory(Path.of(a.get("dir")), "tailer-" + system);
        final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        try
        {
            if (system.equals("ours"))
            {
                // The WAL exists before the tailer opens (its first segment), as a live writer's would.
                try (MmapDirectory create = MmapDirectory.open(folder))
                {
                    WalWriter.create(create, DirectBufferCodec.INSTANCE, options(a)).close();
                }
            }
            final Thread writer;
            final Process child;
            if (processes)
            {
                child = startChild(a, folder);
                writer = null;
            }
            else
            {
                child = null;
                writer = new Thread(() -> writer(a, folder), "tailer-latency-writer");
            }
            if (system.equals("ours"))
            {
                try (MmapDirectory dir = MmapDirectory.open(folder);
                    WalTailer<DirectBuffer> tailer = WalTailer.open(dir, DirectBufferCodec.INSTANCE, options(a),
                        ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST))
                {
                    final long[] seen = {0};
                    if (writer != null)
                    {
                        writer.start();
                    }
                    while (seen[0] < total)
                    {
                        tailer.pollFrames((id, buffer, offset, length) ->
                        {
                            final long now = System.nanoTime();
                            if (id > 1 && ++seen[0] > warmup) // entry 1 is the resume marker of the writer
                            {
                                histogram.recordValue(Math.max(0, now - buffer.getLong(offset)));
                            }
                        }, 64);
                    }
                }
            }
            else
            {
                try (ChronicleQueue queue = ChronicleQueue.singleBuilder(folder).build())
                {
                    final ExcerptTailer tailer = queue.createTailer();
                    if (writer != null)
                    {
                        writer.start();
                    }
                    long seen = 0;
                    while (seen < total)
                    {
                        try (DocumentContext dc = tailer.readingDocument())
                        {
                            if (dc.isPresent())
                            {
                                final long now = System.nanoTime();
                                final long intended = dc.wire().bytes().readLong();
                                if (intended > 0 && ++seen > warmup)
                                {
                                    histogram.recordValue(Math.max(0, now - intended));
                                }
                            }
                        }
                    }
                }
            }
            if (writer != null)
            {
                writer.join();
            }
            if (child != null)
            {
                if (!child.waitFor(60, TimeUnit.SECONDS))
                {
                    child.destroyForcibly();
                    throw new IllegalStateException("the writer process did not exit");
                }
                if (child.exitValue() != 0)
                {
                    throw new IllegalStateException("the writer process failed: exit " + child.exitValue());
                }
            }
        }
        finally
        {
            BenchFolders.delete(folder);
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("system", system);
        out.put("across", a.get("across"));
        out.put("rate", Long.parseLong(a.get("rate")));
        out.put("ops", Long.parseLong(a.get("ops")));
        out.put("warmup", warmup);
        out.put("payload", Integer.parseInt(a.get("payload")));
        out.put("count", histogram.getTotalCount());
        out.put("p50", histogram.getValueAtPercentile(50));
        out.put("p90", histogram.getValueAtPercentile(90));
        out.put("p99", histogram.getValueAtPercentile(99));
        out.put("p99_9", histogram.getValueAtPercentile(99.9));
        out.put("p99_99", histogram.getValueAtPercentile(99.99));
        out.put("max", histogram.getMaxValue());
        return out;
    }

    private static WalOptions options(final Map<String, String> a)
    {
        return WalOptions.defaults().withSegmentCapacity(Integer.parseInt(a.get("segment-mib")) * 1024 * 1024);
    }

    /** The writer: fixed schedule, each entry's first 8 bytes the instant it was meant to be written. */
    private static void writer(final Map<String, String> a, final Path folder)
    {
        final long total = Long.parseLong(a.get("warmup")) + Long.parseLong(a.get("ops"));
        final long rate = Long.parseLong(a.get("rate"));
        final int payload = Integer.parseInt(a.get("payload"));
        final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(payload));
        try
        {
            if (a.get("system").equals("ours"))
            {
                try (MmapDirectory dir = MmapDirectory.open(folder);
                    WalWriter<DirectBuffer> w = WalWriter.resume(dir, DirectBufferCodec.INSTANCE, options(a)))
                {
                    // Entry 1: a marker the tailer skips (it is there before the schedule starts).
                    w.append(value);
                    final long start = System.nanoTime() + 1_000_000;
                    for (long i = 0; i < total; i++)
                    {
                        final long intended = start + i * 1_000_000_000L / rate;
                        while (System.nanoTime() < intended)
                        {
                            Thread.onSpinWait();
                        }
                        value.putLong(0, intended);
                        w.append(value);
                    }
                }
            }
            else
            {
                try (ChronicleQueue queue = ChronicleQueue.singleBuilder(folder).build();
                    ExcerptAppender appender = queue.createAppender())
                {
                    final Bytes<?> bytes = Bytes.allocateDirect(payload);
                    final long start = System.nanoTime() + 1_000_000;
                    for (long i = 0; i < total; i++)
                    {
                        final long intended = start + i * 1_000_000_000L / rate;
                        while (System.nanoTime() < intended)
                        {
                            Thread.onSpinWait();
                        }
                        bytes.clear();
                        bytes.writeLong(intended);
                        bytes.writeSkip(payload - 8);
                        try (DocumentContext dc = appender.writingDocument())
                        {
                            dc.wire().bytes().write(bytes);
                        }
                    }
                    bytes.releaseLast();
                }
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static Process startChild(final Map<String, String> a, final Path folder) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-D") ||
                arg.startsWith("-Xmx"))
            {
                command.add(arg);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TailerLatency.class.getName());
        for (Map.Entry<String, String> e : a.entrySet())
        {
            if (!e.getKey().equals("role") && !e.getKey().equals("out") && !e.getKey().equals("dir"))
            {
                command.add("--" + e.getKey());
                command.add(e.getValue());
            }
        }
        command.add("--role");
        command.add("writer");
        command.add("--dir");
        command.add(folder.toString());
        final Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        return p;
    }

    /**
     * Seek: a WAL of {@code --seek} MiB of 1 KiB entries in 64 MiB segments, then {@code WalTailer.open}
     * at ids spread over it (the first poll delivering the entry is included), median and max.
     */
    private static Map<String, Object> seek(final Map<String, String> a) throws Exception
    {
        final int mib = Integer.parseInt(a.get("seek"));
        final Path folder = Files.createTempDirectory(Path.of(a.get("dir")), "tailer-seek");
        final Map<String, Object> out = new LinkedHashMap<>();
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
            final WalOptions options = WalOptions.defaults();
            long last;
            try (WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, options))
            {
                final long frames = (long)mib * 1024 * 1024 / 1048;
                for (long i = 0; i < frames; i++)
                {
                    value.putLong(0, i + 1);
                    w.append(value);
                }
                last = w.lastEntryId();
            }
            final int n = 41;
            final long[] took = new long[n];
            final java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < n; i++)
            {
                final long id = i == 0 ? last : 1 + (long)(random.nextDouble() * last);
                final long t0 = System.nanoTime();
                try (WalTailer<DirectBuffer> t = WalTailer.open(dir, DirectBufferCodec.INSTANCE, options,
                    ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, id))
                {
                    final long[] got = {0};
                    t.pollFrames((eid, buffer, offset, length) -> got[0] = buffer.getLong(offset), 1);
                    took[i] = System.nanoTime() - t0;
                    if (got[0] != id)
                    {
                        throw new IllegalStateException("seek to " + id + " delivered entry " + got[0]);
                    }
                }
            }
            final long[] sorted = took.clone();
            java.util.Arrays.sort(sorted);
            out.put("walMiB", mib);
            out.put("entries", last);
            out.put("seeks", n);
            out.put("seekMedianNs", sorted[n / 2]);
            out.put("seekMaxNs", sorted[n - 1]);
            out.put("seekMinNs", sorted[0]);
        }
        finally
        {
            BenchFolders.delete(folder);
        }
        return out;
    }
}
