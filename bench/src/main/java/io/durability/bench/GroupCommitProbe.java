package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.Preallocation;
import io.durability.walog.DurabilityListener;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Group commit, measured in one JVM on one disk folder, every mode interleaved round by round so that
 * the machine's drift hits them alike (issue 16):
 * <ul>
 *   <li><b>Throughput</b>: 64-byte appends as fast as the appending thread goes, for a fixed time, with
 *   no sync at all; with {@code flushAndSync} every 64 appends on the appending thread; with a syncer
 *   every 1 ms; with continuous group commit. The peer beside them: Chronicle Queue with no sync, and
 *   with {@code SyncMode.SYNC} and {@code appender.sync()} every 64 (it has no group commit).</li>
 *   <li><b>The physical proxy</b>: one raw barrier, {@code fdatasync} after 64 raw 88-byte stores into
 *   a prepared mapped file, 2000 times (p50/p99/p99.9).</li>
 *   <li><b>Ack latency</b> at a paced rate: from an entry's intended send time (coordinated omission
 *   accounted for) to the moment a barrier reported it durable ({@link DurabilityListener}), p50,
 *   p99, p99.9, max; and entries per barrier.</li>
 * </ul>
 * Usage: {@code GroupCommitProbe --dir /tmp --seconds 2 --rounds 3 --rate 200000 --ops 400000 --out f.json}.
 */
public final class GroupCommitProbe
{
    private static final int PAYLOAD = 64;
    private static final String[] THROUGHPUT_MODES = {"noSync", "sync64", "every1ms", "continuous", "chronicleNoSync",
        "chronicleSync64", "rawNoSync", "rawContinuous"};
    /**
     * The raw proxy's prepared file: zero-filled once, overwritten by every raw trial through a mapping
     * of its own (so each trial pays the first touch of every page, as a fresh segment does).
     */
    private static final long RAW_FILE = 1L << 30;
    private static Path rawFolder;
    private static FileChannel rawChannel;

    private static MmapOptions mmapOptions = MmapOptions.defaults();
    private static double barrierMeanUs;
    private static double barrierMaxUs;

    private GroupCommitProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("dir", System.getProperty("java.io.tmpdir"));
        defaults.put("seconds", "2");
        defaults.put("rounds", "3");
        defaults.put("rate", "200000");
        defaults.put("ops", "400000");
        defaults.put("warmup", "100000");
        defaults.put("prealloc", "default");
        defaults.put("warmer", "default");
        defaults.put("ranged", "default");
        defaults.put("out", "");
        final Map<String, String> a = BenchArgs.parse(defaults, args);
        final Path dir = Path.of(a.get("dir"));
        MmapOptions options = a.get("prealloc").equals("default") ? MmapOptions.defaults() :
            MmapOptions.defaults().withPreallocation(Preallocation.valueOf(a.get("prealloc")));
        if (!a.get("warmer").equals("default"))
        {
            options = options.withPageWarmer(Integer.parseInt(a.get("warmer")));
        }
        if (!a.get("ranged").equals("default"))
        {
            options = options.withRangedBarriers(Boolean.parseBoolean(a.get("ranged")));
        }
        mmapOptions = options;
        final double seconds = Double.parseDouble(a.get("seconds"));
        final int rounds = Integer.parseInt(a.get("rounds"));
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        out.put("dir", dir.toString());
        out.put("preallocation", a.get("prealloc"));
        out.put("pageWarmer", a.get("warmer"));
        out.put("rangedBarriers", a.get("ranged"));
        out.put("payloadBytes", PAYLOAD);
        out.put("rounds", rounds);

        final Map<String, List<Double>> rates = new LinkedHashMap<>();
        final Map<String, List<Double>> perBarrier = new LinkedHashMap<>();
        for (final String m : THROUGHPUT_MODES)
        {
            rates.put(m, new ArrayList<>());
            perBarrier.put(m, new ArrayList<>());
        }
        rawFolder = Files.createTempDirectory(dir, "raw-group-commit");
        rawChannel = FileChannel.open(rawFolder.resolve("raw"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        BenchFolders.allocate(rawChannel, RAW_FILE);
        // A short unrecorded round first: JIT, page cache and the warmer settle.
        for (final String m : THROUGHPUT_MODES)
        {
            throughput(dir, m, Math.min(0.5, seconds), new double[2]);
        }
        for (int round = 0; round < rounds; round++)
        {
            for (final String m : THROUGHPUT_MODES)
            {
                final double[] r = new double[2];
                throughput(dir, m, seconds, r);
                rates.get(m).add(r[0]);
                perBarrier.get(m).add(r[1]);
                System.err.printf("round %d %-16s %,12.0f appends/s %8.1f appends/barrier%n", round, m, r[0], r[1]);
            }
        }
        for (final String m : THROUGHPUT_MODES)
        {
            out.put("throughput." + m + ".appendsPerSec", median(rates.get(m)));
            if (!m.startsWith("chronicle") && !m.equals("noSync"))
            {
                out.put("throughput." + m + ".appendsPerBarrier", median(perBarrier.get(m)));
            }
        }
        final double noSync = median(rates.get("noSync"));
        out.put("ratio.continuousVsNoSync", median(rates.get("continuous")) / noSync);
        out.put("ratio.every1msVsNoSync", median(rates.get("every1ms")) / noSync);
        out.put("ratio.sync64VsNoSync", median(rates.get("sync64")) / noSync);
        out.put("ratio.continuousVsSync64", median(rates.get("continuous")) / median(rates.get("sync64")));
        out.put("ratio.sync64VsChronicleSync64", median(rates.get("sync64")) / median(rates.get("chronicleSync64")));
        out.put("ratio.noSyncVsChronicleNoSync", noSync / median(rates.get("chronicleNoSync")));
        out.put("ratio.rawContinuousVsRawNoSync", median(rates.get("rawContinuous")) / median(rates.get("rawNoSync")));
        out.put("ratio.continuousVsRawContinuous", median(rates.get("continuous")) / median(rates.get("rawContinuous")));

        final Histogram raw = rawBarrier(dir);
        out.put("rawBarrier.p50Us", raw.getValueAtPercentile(50) / 1000.0);
        out.put("rawBarrier.p99Us", raw.getValueAtPercentile(99) / 1000.0);
        out.put("rawBarrier.p999Us", raw.getValueAtPercentile(99.9) / 1000.0);

        final int rate = Integer.parseInt(a.get("rate"));
        final int ops = Integer.parseInt(a.get("ops"));
        final int warmup = Integer.parseInt(a.get("warmup"));
        out.put("ack.ratePerSec", rate);
        // Interleaved rounds here too: a disk stall lands in one round of one mode, and the medians of
        // the rounds' percentiles are reported (with the worst round's max).
        final String[] ackModes = {"sync64", "every1ms", "continuous", "rawContinuous"};
        final Map<String, List<double[]>> ack = new LinkedHashMap<>();
        for (final String m : ackModes)
        {
            ack.put(m, new ArrayList<>());
        }
        final int perRound = Math.max(1, ops / rounds);
        for (int round = 0; round < rounds; round++)
        {
            for (final String m : ackModes)
            {
                final Histogram perB = new Histogram(1_000_000_000L, 3);
                final Histogram h = m.startsWith("raw") ? rawAckLatency(rate, warmup, perRound, perB) :
                    ackLatency(dir, m, rate, warmup, perRound, perB);
                final double[] r = {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, perB.getValueAtPercentile(50),
                    m.startsWith("raw") ? Double.NaN : barrierMeanUs, h.getTotalCount()};
                ack.get(m).add(r);
                System.err.printf("round %d ack %-13s p50 %8.1f µs p99 %8.1f µs p99.9 %8.1f µs max %8.1f µs (%d acks, %.0f per " +
                    "barrier; barrier mean %.0f µs)%n", round, m, r[0], r[1], r[2], r[3], h.getTotalCount(), r[4], r[5]);
            }
        }
        final String[] names = {"p50Us", "p99Us", "p999Us", "maxUs", "entriesPerBarrierP50", "barrierMeanUs"};
        for (final String m : ackModes)
        {
            for (int k = 0; k < names.length; k++)
            {
                if (k == 5 && m.startsWith("raw"))
                {
                    continue;
                }
                final int index = k;
                final List<Double> values = new ArrayList<>();
                ack.get(m).forEach(r -> values.add(r[index]));
                out.put("ack." + m + "." + names[k], k == 3 ? values.stream().mapToDouble(Double::doubleValue).max().orElse(0) :
                    median(values));
            }
        }
        rawChannel.close();
        BenchFolders.delete(rawFolder);
        out.put("ratio.ackContinuousP99VsRawContinuousP99",
            (double)out.get("ack.continuous.p99Us") / (double)out.get("ack.rawContinuous.p99Us"));
        out.put("ratio.ackContinuousP50VsRawContinuousP50",
            (double)out.get("ack.continuous.p50Us") / (double)out.get("ack.rawContinuous.p50Us"));
        out.put("ratio.ackContinuousP99VsRawBarrierP99",
            (double)out.get("ack.continuous.p99Us") / (double)out.get("rawBarrier.p99Us"));
        out.put("ratio.ackContinuousP99VsRawBarrierP50",
            (double)out.get("ack.continuous.p99Us") / (double)out.get("rawBarrier.p50Us"));
        BenchArgs.report(out, a.get("out"));
    }

    private static double median(final List<Double> values)
    {
        final double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length == 0 ? Double.NaN : v[v.length / 2];
    }

    private static SyncPolicy policyOf(final String mode)
    {
        switch (mode)
        {
            case "every1ms":
                return SyncPolicy.every(Duration.ofMillis(1));
            case "continuous":
                return SyncPolicy.continuous();
            default:
                return SyncPolicy.manual();
        }
    }

    /** @param result [appends per second, appends per barrier] */
    private static void throughput(final Path dir, final String mode, final double seconds, final double[] result)
        throws IOException, InterruptedException
    {
        final Path folder = Files.createTempDirectory(dir, "group-commit-" + mode);
        try
        {
            if (mode.startsWith("raw"))
            {
                rawThroughput(mode.equals("rawContinuous"), seconds, result);
                return;
            }
            if (mode.startsWith("chronicle"))
            {
                chronicleThroughput(folder, mode.equals("chronicleSync64"), seconds, result);
                return;
            }
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD]);
            final boolean sync64 = mode.equals("sync64");
            try (MmapDirectory d = MmapDirectory.open(folder, mmapOptions);
                WalWriter<DirectBuffer> w = WalWriter.create(d, DirectBufferCodec.INSTANCE,
                    WalOptions.defaults().withSyncPolicy(policyOf(mode))))
            {
                final long deadline = System.nanoTime() + (long)(seconds * 1e9);
                final long started = System.nanoTime();
                long n = 0;
                long now;
                do
                {
                    for (int i = 0; i < 64; i++)
                    {
                        payload.putLong(0, n + i);
                        w.append(payload);
                    }
                    n += 64;
                    if (sync64)
                    {
                        w.flushAndSync();
                    }
                    now = System.nanoTime();
                }
                while (now < deadline);
                result[0] = n / ((now - started) / 1e9);
                final long barriers = Math.max(1, w.metrics().barriers());
                result[1] = (double)w.metrics().acknowledgedEntryId() / barriers;
            }
        }
        finally
        {
            BenchFolders.delete(folder);
        }
    }

    private static void chronicleThroughput(final Path folder, final boolean sync64, final double seconds,
        final double[] result)
    {
        final BytesStore<?, ?> bytes = BytesStore.wrap(new byte[PAYLOAD]);
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(folder)
                .syncMode(sync64 ? SyncMode.SYNC : SyncMode.NONE).build();
            ExcerptAppender appender = queue.createAppender())
        {
            final long deadline = System.nanoTime() + (long)(seconds * 1e9);
            final long started = System.nanoTime();
            long n = 0;
            long now;
            do
            {
                for (int i = 0; i < 64; i++)
                {
                    appender.writeBytes(bytes);
                }
                n += 64;
                if (sync64)
                {
                    appender.sync();
                }
                now = System.nanoTime();
            }
            while (now < deadline);
            result[0] = n / ((now - started) / 1e9);
            result[1] = sync64 ? 64 : 0;
        }
    }

    /**
     * The physical proxy of group commit: raw 88-byte stores (an 8-byte commit word last, with release)
     * into the prepared mapping as fast as one thread goes, and (continuous) a second thread running
     * {@code fdatasync} back to back. No library code: what the machine gives two threads doing it.
     */
    private static void rawThroughput(final boolean sync, final double seconds, final double[] result)
        throws InterruptedException, IOException
    {
        final MappedByteBuffer rawMap = rawChannel.map(FileChannel.MapMode.READ_WRITE, 0, RAW_FILE);
        final UnsafeBuffer map = new UnsafeBuffer(rawMap);
        final long limit = RAW_FILE - 4096;
        final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final long[] barriers = {0};
        final Thread syncer = new Thread(() ->
        {
            while (!stop.get())
            {
                try
                {
                    rawChannel.force(false);
                    barriers[0]++;
                }
                catch (final IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }
        }, "raw-syncer");
        if (sync)
        {
            syncer.start();
        }
        final long deadline = System.nanoTime() + (long)(seconds * 1e9);
        final long started = System.nanoTime();
        long offset = 0;
        long n = 0;
        long now;
        do
        {
            for (int i = 0; i < 64 && offset < limit; i++)
            {
                storeFrame(map, offset, n + i);
                offset += 88;
            }
            n += 64;
            published.lazySet(n);
            now = System.nanoTime();
        }
        while (now < deadline && offset < limit);
        stop.set(true);
        if (sync)
        {
            syncer.join();
        }
        result[0] = n / ((now - started) / 1e9);
        result[1] = sync ? (double)n / Math.max(1, barriers[0]) : 0;
        IoUtil.unmap(rawMap);
    }

    private static void storeFrame(final UnsafeBuffer map, final long offset, final long value)
    {
        // UnsafeBuffer over a MappedByteBuffer of 1 GiB: int offsets suffice.
        final int o = (int)offset;
        for (int k = 8; k < 88; k += 8)
        {
            map.putLong(o + k, value);
        }
        map.putLongRelease(o, 88L | (value << 32));
    }

    /** The raw proxy's ack latency: the same paced stores, a second thread running fdatasync and reporting what it covered. */
    private static Histogram rawAckLatency(final int rate, final int warmup, final int ops, final Histogram perBarrier)
        throws InterruptedException, IOException
    {
        final MappedByteBuffer rawMap = rawChannel.map(FileChannel.MapMode.READ_WRITE, 0, RAW_FILE);
        final UnsafeBuffer map = new UnsafeBuffer(rawMap);
        final int total = warmup + ops;
        final long[] intended = new long[total + 2];
        final Histogram h = new Histogram(60_000_000_000L, 3);
        final java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
        final Thread syncer = new Thread(() ->
        {
            long acked = 0;
            try
            {
                while (acked < total)
                {
                    final long n = published.get();
                    if (n == acked)
                    {
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000);
                        continue;
                    }
                    rawChannel.force(false);
                    final long now = System.nanoTime();
                    if (acked >= warmup)
                    {
                        perBarrier.recordValue(n - acked);
                    }
                    for (long id = acked + 1; id <= n; id++)
                    {
                        if (id > warmup)
                        {
                            h.recordValue(Math.max(0, now - intended[(int)id]));
                        }
                    }
                    acked = n;
                }
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        }, "raw-ack-syncer");
        syncer.start();
        final long period = 1_000_000_000L / rate;
        final long start = System.nanoTime() + 1_000_000;
        long offset = 0;
        for (int i = 1; i <= total; i++)
        {
            final long at = start + i * period;
            while (System.nanoTime() < at)
            {
                Thread.onSpinWait();
            }
            intended[i] = at;
            storeFrame(map, offset, i);
            offset = (offset + 88) % (RAW_FILE - 4096);
            published.set(i);
        }
        syncer.join(60_000);
        IoUtil.unmap(rawMap);
        return h;
    }

    /** One raw barrier: 64 raw 88-byte frame stores into a prepared mapped file, then {@code fdatasync}. */
    private static Histogram rawBarrier(final Path dir) throws IOException
    {
        final Path folder = Files.createTempDirectory(dir, "raw-barrier");
        final Histogram h = new Histogram(10_000_000_000L, 3);
        final int capacity = 64 * 1024 * 1024;
        try (FileChannel channel = FileChannel.open(folder.resolve("raw"),
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            BenchFolders.allocate(channel, capacity);
            channel.force(false);
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            int offset = 64;
            for (int i = -200; i < 2000; i++)
            {
                final long start = System.nanoTime();
                for (int f = 0; f < 64; f++)
                {
                    for (int k = 0; k < 88; k += 8)
                    {
                        map.putLong(offset + k, i);
                    }
                    offset += 88;
                }
                channel.force(false);
                if (i >= 0)
                {
                    h.recordValue(System.nanoTime() - start);
                }
            }
            IoUtil.unmap(map);
        }
        finally
        {
            BenchFolders.delete(folder);
        }
        return h;
    }

    /**
     * Appends paced at {@code rate} per second; an entry's latency runs from its intended send time to
     * the moment a completed barrier reported it durable.
     */
    private static Histogram ackLatency(
        final Path dir, final String mode, final int rate, final int warmup, final int ops, final Histogram perBarrier)
        throws IOException, InterruptedException
    {
        final Path folder = Files.createTempDirectory(dir, "ack-" + mode);
        final int total = warmup + ops;
        final long[] intended = new long[total + 2];
        final Histogram h = new Histogram(60_000_000_000L, 3);
        final long[] lastAcked = {0};
        final DurabilityListener listener = durableId ->
        {
            final long now = System.nanoTime();
            final long upTo = Math.min(durableId, total);
            if (upTo > lastAcked[0])
            {
                if (lastAcked[0] >= warmup)
                {
                    perBarrier.recordValue(upTo - lastAcked[0]);
                }
                for (long id = lastAcked[0] + 1; id <= upTo; id++)
                {
                    if (id > warmup)
                    {
                        h.recordValue(Math.max(0, now - intended[(int)id]));
                    }
                }
                lastAcked[0] = upTo;
            }
        };
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD]);
        final boolean sync64 = mode.equals("sync64");
        try (MmapDirectory d = MmapDirectory.open(folder, mmapOptions);
            WalWriter<DirectBuffer> w = WalWriter.create(d, DirectBufferCodec.INSTANCE,
                WalOptions.defaults().withSyncPolicy(policyOf(mode)).withDurabilityListener(listener)))
        {
            final long period = 1_000_000_000L / rate;
            final long start = System.nanoTime() + 1_000_000;
            for (int i = 1; i <= total; i++)
            {
                final long at = start + i * period;
                while (System.nanoTime() < at)
                {
                    Thread.onSpinWait();
                }
                intended[i] = at;
                payload.putLong(0, i);
                w.append(payload);
                if (sync64 && i % 64 == 0)
                {
                    w.flushAndSync();
                }
            }
            if (sync64)
            {
                w.flushAndSync();
            }
            if (!w.awaitDurable(total, 60, TimeUnit.SECONDS))
            {
                throw new IllegalStateException(mode + ": entry " + total + " not durable within 60 s");
            }
            barrierMeanUs = w.metrics().barrierNanosTotal() / 1000.0 / Math.max(1, w.metrics().barriers());
            barrierMaxUs = w.metrics().barrierNanosMax() / 1000.0;
        }
        finally
        {
            BenchFolders.delete(folder);
        }
        return h;
    }
}
