package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalLayout;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 6: append latency percentiles from a fixed-rate hot loop, without coordinated omission.
 *
 * <p>Operation {@code i} is scheduled at {@code start + i / rate}; the loop spins until that instant,
 * appends, and records {@code end - intended} (not {@code end - begin}) in an HdrHistogram, so a
 * stall delays every operation queued behind it and each one is charged for its wait. The first
 * {@code --warmup} operations are not recorded. For our WAL, the service time (no queueing) of the
 * appends that rolled to a new segment is reported too ({@code rollP50}, {@code rollMax}).
 *
 * <pre>
 * java [Agrona and Chronicle flags] -cp bench/target/benchmarks.jar io.durability.bench.LatencyLoop \
 *     --system ours|chronicle|raw --ops 100000000 --warmup 10000000 --rate 1000000 --payload 64 \
 *     --segment-mib 4 --dir /tmp [--next-segment AUTO|AT_ROLL|BACKGROUND] [--pretouch AUTO|CACHE|...] \
 *     --out bench/results/latency-ours.json
 * </pre>
 * <ul>
 *   <li>{@code ours}: {@code WalWriter.append} on an {@link MmapDirectory} with small segments
 *   ({@code --segment-mib}, so the run crosses many rolls); a janitor thread deletes segment files
 *   two rolls behind the writer every 50 ms (truncation after a checkpoint, off the hot thread);</li>
 *   <li>{@code chronicle}: Chronicle Queue's {@code writingDocument()}, default roll cycle;</li>
 *   <li>{@code raw}: the raw framed mmap write of {@link AppendBenchmark.Raw} (a pre-touched 64 MiB
 *   mapping written round and round): the floor of the loop itself on this machine.</li>
 * </ul>
 * Writes one JSON object (latencies in nanoseconds) to {@code --out} and prints it.
 */
public final class LatencyLoop
{
    private interface Op
    {
        /** @return whether this append rolled to a new segment. */
        boolean append();

        default long rolls()
        {
            return 0;
        }

        /** @return rolls that found no segment named ahead ({@code WalMetrics.rollsWithoutSpare}). */
        default long rollsWithoutSpare()
        {
            return 0;
        }

        void close() throws Exception;
    }

    /** An append whose own service time reaches this is counted as a stall. */
    static final long STALL_NANOS = 50_000;

    private LatencyLoop()
    {
    }

    /**
     * The appending thread's scheduling counters ({@code /proc/thread-self}) and the machine's steal
     * time ({@code /proc/stat}): a stall with run-queue wait beside it was another thread on our core; one
     * with steal was the hypervisor; one with neither was the memory system (faults, shadow paging).
     */
    static final class SchedStats
    {
        final long runQueueWaitNanos;
        final long involuntarySwitches;
        final long voluntarySwitches;
        final long minorFaults;
        final long stealNanos;

        private SchedStats(final long wait, final long involuntary, final long voluntary, final long faults, final long steal)
        {
            this.runQueueWaitNanos = wait;
            this.involuntarySwitches = involuntary;
            this.voluntarySwitches = voluntary;
            this.minorFaults = faults;
            this.stealNanos = steal;
        }

        static SchedStats now()
        {
            long wait = -1;
            long involuntary = -1;
            long voluntary = -1;
            long faults = -1;
            long steal = -1;
            try
            {
                wait = Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split("\\s+")[1]);
                for (String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
                {
                    if (line.startsWith("nonvoluntary_ctxt_switches:"))
                    {
                        involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                    else if (line.startsWith("voluntary_ctxt_switches:"))
                    {
                        voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                // Field 10 of /proc/thread-self/stat (after the command in parentheses): minor faults.
                final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
                faults = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
                // The "cpu" line of /proc/stat: steal is its 8th number, in USER_HZ ticks (10 ms at 100 Hz).
                final String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
                steal = Long.parseLong(cpu.trim().split("\\s+")[8]) * 10_000_000L;
            }
            catch (final IOException | RuntimeException ex)
            {
                // Not Linux, or a field we do not know: reported as -1 (or the difference of what was read).
            }
            return new SchedStats(wait, involuntary, voluntary, faults, steal);
        }
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> d = new LinkedHashMap<>();
        d.put("system", "ours");
        d.put("ops", "10000000");
        d.put("warmup", "1000000");
        d.put("rate", "1000000");
        d.put("payload", "64");
        d.put("segment-mib", "4");
        d.put("dir", System.getProperty("java.io.tmpdir"));
        d.put("out", "");
        d.put("prealloc", "default");
        d.put("warmer", "0");
        d.put("next-segment", "AUTO");
        d.put("pretouch", "AUTO");
        final Map<String, String> a = BenchArgs.parse(d, args);
        final String system = a.get("system");
        final long ops = Long.parseLong(a.get("ops"));
        final long warmup = Long.parseLong(a.get("warmup"));
        final long rate = Long.parseLong(a.get("rate"));
        final int payload = Integer.parseInt(a.get("payload"));
        final int segmentBytes = Integer.parseInt(a.get("segment-mib")) * 1024 * 1024;
        final Path folder = Files.createTempDirectory(Path.of(a.get("dir")), "latency-" + system);

        final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        final Histogram rollService = new Histogram(3_600_000_000_000L, 3);
        final long started;
        final long elapsed;
        long rolls = 0;
        long rollsWithoutSpare = 0;
        long allocatedBefore = 0;
        final long allocated;
        long stalls = 0;
        long stallNanos = 0;
        SchedStats schedBefore = null;
        SchedStats schedAfter;
        Op op = null;
        try
        {
            op = open(system, folder, payload, segmentBytes, a);
            final long total = warmup + ops;
            final Op o = op;
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
            started = System.nanoTime();
            for (long i = 0; i < total; i++)
            {
                final long intended = started + i * 1_000_000_000L / rate;
                long begin;
                while ((begin = System.nanoTime()) < intended)
                {
                    Thread.onSpinWait();
                }
                if (i == warmup)
                {
                    allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                    schedBefore = SchedStats.now();
                }
                final boolean rolled = o.append();
                final long end = System.nanoTime();
                if (i >= warmup)
                {
                    histogram.recordValue(end - intended);
                    final long service = end - begin;
                    if (service >= STALL_NANOS)
                    {
                        stalls++;
                        stallNanos += service;
                    }
                    if (rolled)
                    {
                        rollService.recordValue(end - begin);
                    }
                }
            }
            elapsed = System.nanoTime() - started;
            schedAfter = SchedStats.now();
            allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            rolls = op.rolls();
            rollsWithoutSpare = op.rollsWithoutSpare();
        }
        finally
        {
            if (op != null)
            {
                op.close();
            }
            BenchFolders.delete(folder);
        }

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("system", system);
        out.put("dir", a.get("dir"));
        out.put("prealloc", a.get("prealloc"));
        out.put("warmer", Integer.parseInt(a.get("warmer")));
        out.put("payload", payload);
        out.put("ops", ops);
        out.put("warmup", warmup);
        out.put("rate", rate);
        out.put("segmentBytes", "ours".equals(system) ? segmentBytes : 0);
        out.put("rolls", rolls);
        out.put("achievedRate", (warmup + ops) * 1e9 / elapsed);
        out.put("mean", histogram.getMean());
        out.put("p50", histogram.getValueAtPercentile(50));
        out.put("p90", histogram.getValueAtPercentile(90));
        out.put("p99", histogram.getValueAtPercentile(99));
        out.put("p99_9", histogram.getValueAtPercentile(99.9));
        out.put("p99_99", histogram.getValueAtPercentile(99.99));
        out.put("p99_999", histogram.getValueAtPercentile(99.999));
        out.put("max", histogram.getMaxValue());
        out.put("count", histogram.getTotalCount());
        // Heap bytes allocated by the appending thread while recording (HdrHistogram records allocate nothing).
        out.put("allocatedBytes", allocated);
        out.put("allocatedBytesPerOp", (double)allocated / ops);
        // Service time (begin to end, no queueing) of the appends that rolled to a new segment.
        out.put("rollCount", rollService.getTotalCount());
        out.put("rollP50", rollService.getValueAtPercentile(50));
        out.put("rollMax", rollService.getMaxValue());
        out.put("rollP90", rollService.getValueAtPercentile(90));
        out.put("rollsWithoutSpare", rollsWithoutSpare);
        out.put("nextSegment", a.get("next-segment"));
        out.put("preTouch", a.get("pretouch"));
        // Why the tail is what it is: appends whose own service time was >= 50 us, and what the scheduler
        // and the hypervisor did to the appending thread while recording (from /proc; -1 where unreadable).
        out.put("stalls", stalls);
        out.put("stallNanos", stallNanos);
        out.put("runQueueWaitNanos", schedAfter.runQueueWaitNanos - schedBefore.runQueueWaitNanos);
        out.put("involuntarySwitches", schedAfter.involuntarySwitches - schedBefore.involuntarySwitches);
        out.put("voluntarySwitches", schedAfter.voluntarySwitches - schedBefore.voluntarySwitches);
        out.put("minorFaults", schedAfter.minorFaults - schedBefore.minorFaults);
        out.put("stealNanos", schedAfter.stealNanos - schedBefore.stealNanos);
        BenchArgs.report(out, a.get("out"));
    }

    private static Op open(
        final String system, final Path folder, final int payload, final int segmentBytes, final Map<String, String> a)
        throws IOException
    {
        final UnsafeBuffer value = BenchPayloads.direct(payload);
        switch (system)
        {
            case "ours":
                return ours(folder, value, segmentBytes, mmapOptions(a),
                    io.durability.walog.NextSegment.valueOf(a.get("next-segment").toUpperCase(java.util.Locale.ROOT)));
            case "chronicle":
                return chronicle(folder, value, payload);
            case "raw":
                final AppendBenchmark.Common common = new AppendBenchmark.Common();
                common.payload = payload;
                common.dir = folder.toString();
                common.setup();
                final AppendBenchmark.Raw raw = new AppendBenchmark.Raw();
                raw.open(common);
                return new Op()
                {
                    @Override
                    public boolean append()
                    {
                        raw.write();
                        return false;
                    }

                    @Override
                    public void close() throws IOException
                    {
                        raw.close();
                    }
                };
            default:
                throw new IllegalArgumentException("--system ours|chronicle|raw, not " + system);
        }
    }

    /** {@code --prealloc default|zero-fill|fallocate}, {@code --warmer BYTES} (0: off) for {@code ours}. */
    private static io.durability.storage.mmap.MmapOptions mmapOptions(final Map<String, String> a)
    {
        io.durability.storage.mmap.MmapOptions o = io.durability.storage.mmap.MmapOptions.defaults();
        switch (a.get("prealloc"))
        {
            case "default" -> { }
            case "zero-fill" -> o = o.withPreallocation(io.durability.storage.mmap.Preallocation.ZERO_FILL);
            case "fallocate" -> o = o.withPreallocation(io.durability.storage.mmap.Preallocation.FALLOCATE);
            default -> throw new IllegalArgumentException("--prealloc default|zero-fill|fallocate, not " + a.get("prealloc"));
        }
        // Recorded as applied (the defaults may change).
        a.put("prealloc", o.preallocation() == io.durability.storage.mmap.Preallocation.FALLOCATE ? "fallocate" : "zero-fill");
        o = o.withPreTouch(io.durability.storage.mmap.PreTouch.valueOf(a.get("pretouch").toUpperCase(java.util.Locale.ROOT)));
        return o.withPageWarmer(Integer.parseInt(a.get("warmer")));
    }

    private static Op ours(
        final Path folder, final DirectBuffer value, final int segmentBytes,
        final io.durability.storage.mmap.MmapOptions mmapOptions, final io.durability.walog.NextSegment next)
    {
        final MmapDirectory directory = MmapDirectory.open(folder, mmapOptions);
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(segmentBytes).withNextSegment(next);
        final WalWriter<DirectBuffer> writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE, options);
        final Path walFolder = folder.resolve(options.walDir());
        final long firstSegment = writer.currentSegmentId();
        final Janitor janitor = new Janitor(walFolder, firstSegment);
        janitor.start();
        return new Op()
        {
            long segment = firstSegment;

            @Override
            public boolean append()
            {
                writer.append(value);
                final long current = writer.currentSegmentId();
                if (current != segment)
                {
                    segment = current;
                    janitor.current = current;
                    return true;
                }
                return false;
            }

            @Override
            public long rolls()
            {
                return segment - firstSegment;
            }

            @Override
            public long rollsWithoutSpare()
            {
                return writer.metrics().rollsWithoutSpare();
            }

            @Override
            public void close() throws Exception
            {
                janitor.running = false;
                janitor.join();
                writer.close();
                directory.close();
            }
        };
    }

    /** Deletes segment files two rolls behind the writer, off the hot thread. */
    private static final class Janitor extends Thread
    {
        private final Path walFolder;
        volatile long current;
        volatile boolean running = true;

        Janitor(final Path walFolder, final long current)
        {
            super("latency-loop-janitor");
            setDaemon(true);
            this.walFolder = walFolder;
            this.current = current;
        }

        @Override
        public void run()
        {
            while (running)
            {
                try
                {
                    Thread.sleep(50);
                    final long keepFrom = current - 1;
                    final List<Path> old = new ArrayList<>();
                    try (Stream<Path> files = Files.list(walFolder))
                    {
                        files.forEach(p ->
                        {
                            final long id = WalLayout.parseSegmentId(p.getFileName().toString());
                            if (id > 0 && id < keepFrom)
                            {
                                old.add(p);
                            }
                        });
                    }
                    for (Path p : old)
                    {
                        Files.deleteIfExists(p);
                    }
                }
                catch (final InterruptedException | IOException ex)
                {
                    return;
                }
            }
        }
    }

    private static Op chronicle(final Path folder, final DirectBuffer value, final int payload)
    {
        final ChronicleQueue queue = ChronicleQueue.singleBuilder(folder).build();
        final ExcerptAppender appender = queue.createAppender();
        final Bytes<?> bytes = Bytes.allocateDirect(payload);
        for (int i = 0; i < payload; i++)
        {
            bytes.writeByte(value.getByte(i));
        }
        return new Op()
        {
            @Override
            public boolean append()
            {
                try (DocumentContext dc = appender.writingDocument())
                {
                    dc.wire().bytes().write((BytesStore<?, ?>)bytes, 0L, (long)payload);
                }
                return false;
            }

            @Override
            public void close()
            {
                appender.close();
                queue.close();
                bytes.releaseLast();
            }
        };
    }
}
