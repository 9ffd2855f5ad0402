package io.durability.bench;

import io.durability.codec.BytesCodec;
import io.durability.replication.ratis.Peer;
import io.durability.replication.ratis.ReplicaServerMain;
import io.durability.replication.ratis.ReplicatedEntry;
import io.durability.replication.ratis.ReplicatedWal;
import io.durability.replication.ratis.ReplicationOptions;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.DurabilityListener;
import io.durability.walog.ReplayMode;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;

/**
 * Replicated append on Apache Ratis (three member JVMs on 127.0.0.1, started by this bench as child
 * processes with {@link ReplicaServerMain}, and a {@link ReplicatedWal} writer in this JVM) beside the
 * local barriers it replaces, on the same disk folder, in the same run.
 *
 * <pre>{@code
 * java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Xmx1g \
 *   -cp bench/target/benchmarks.jar io.durability.bench.ReplicationBench \
 *   [--inflight 1,64,1024,8192] [--payloads 64,1024] [--warmup 5] [--first-warmup 20] [--seconds 10] \
 *   [--drain 120] [--member-heap 256m] [--dir /tmp] [--keep false] [--out replication.json]
 * }</pre>
 * Short check: {@code --inflight 1,64 --payloads 64 --warmup 3 --seconds 3} (about a minute). The
 * defaults take about 6 minutes, and disk for every replicated append three times (the members'
 * WALs are kept until the end, for the check).
 *
 * <h2>Modes</h2>
 * For each payload size, for each N of {@code --inflight}, in this order (so that the machine's drift
 * hits them alike):
 * <ul>
 *   <li>{@code replicated}: one writer thread keeps N appends in flight continuously: it takes one of
 *   N permits before each {@code append}, and each future's completion gives one back (no window that
 *   drains). The members run from the first point to the end (one Raft group, one WAL per member).</li>
 *   <li>{@code localContinuous}: our {@link WalWriter} on an {@link MmapDirectory} in a fresh folder
 *   beside the members', {@link SyncPolicy#continuous()}, N appends in flight the same way; an
 *   append's acknowledgement is the {@link DurabilityListener} call that reports it durable.</li>
 * </ul>
 * and then, once per payload, {@code localSyncEach}: append, {@code flushAndSync}, one at a time
 * (N=1).
 *
 * <p>Each point: a warm-up ({@code --first-warmup} seconds for the first point of each mode, default
 * 4 × {@code --warmup}; {@code --warmup} for the others) under the same load, then a measured window
 * of {@code --seconds}, then the writer stops and waits (up to {@code --drain} seconds) for its
 * appends in flight. Payloads carry a unique tag in their first 8 bytes.
 *
 * <h2>Columns</h2>
 * One line per point:
 * <ul>
 *   <li>{@code acks/s}: appends acknowledged in the window, per second;</li>
 *   <li>{@code p50, p99, p99.9 µs}: the latency of those acknowledgements (HdrHistogram), from the
 *   {@code append} call to the completion of its future (local: to the durability report that covered
 *   it; localSyncEach: to the return of {@code flushAndSync});</li>
 *   <li>{@code failed}: appends whose future failed in the window.</li>
 * </ul>
 * then one line per process ({@code writer} is this JVM, {@code n1..n3} the members), every figure a
 * difference between readings before and after the window:
 * <ul>
 *   <li>{@code cpu µs/ack}: user + system CPU time ({@code /proc/<pid>/stat}, 10 ms ticks) per
 *   acknowledged append; {@code cores}: the same CPU time over the window's length;</li>
 *   <li>{@code disk B/B}: {@code write_bytes} of {@code /proc/<pid>/io} per acknowledged payload byte;</li>
 *   <li>{@code raft/ B/B}, {@code store/ B/B}: growth of the disk space allocated ({@code du -s -B1})
 *   to the member's {@code raft/} (Ratis's log) and {@code store/} (our WAL, its prepared spare
 *   segment, checkpoints) folders, per acknowledged payload byte (local modes: the local WAL's folder,
 *   in the {@code store/} column); the JSON has the growth of the files' sizes too
 *   ({@code *GrowthPerPayloadByte});</li>
 *   <li>{@code jit n}, {@code jit ms}: JIT compilations finished in the window and their compile time
 *   ({@code sun.ci.totalCompiles}, {@code java.ci.totalTime}: the counters {@code jstat -compiler}
 *   shows, read from the JVM's hsperfdata file, no tool started). The time is the compiler threads'
 *   elapsed time, summed: on a loaded machine it can exceed the window. Near 0 means the JIT was
 *   quiet while we measured;</li>
 *   <li>{@code gc n}, {@code gc ms}: collections and their time in the window, the same way.</li>
 * </ul>
 * After the last point the members are stopped and each member's WAL is read: every acknowledged
 * append must be there once ({@code lost}, {@code duplicated} count acknowledged tags missing or
 * found twice; {@code unacked} counts entries whose append was not acknowledged, e.g. in flight when
 * a drain gave up).
 *
 * <h2>Caveats</h2>
 * <ul>
 *   <li>{@code write_bytes} is charged when a page cache folio turns dirty, to the process that
 *   dirtied it, for the whole folio: for our mmap WAL that is the page fault of the first store into a
 *   clean page, so each barrier that cleans a page makes the next store into it count it again; on
 *   kernels with large page-cache folios the size of the write that first filled the file sets the
 *   folio's (Linux 6.18, ext4: a file prepared with 1 MiB writes then charges 1 MiB for each
 *   100-byte write + fsync, 64 KiB writes 64 KiB, 4 KiB writes 4 KiB), which is how Ratis's log,
 *   preallocated 1 MiB at a time, can show megabytes per commit. It counts what the kernel marks
 *   dirty, not what the device writes (a file system may write back only the dirty blocks of a
 *   folio); the file system's journal is written by kernel threads and is not counted; on tmpfs
 *   nothing is.</li>
 *   <li>Disk space moves in steps: Ratis preallocates its log segments (1 MiB at a time); our WAL
 *   prepares its next 64 MiB segment ahead, zero-filled by {@code write} (counted whole by
 *   {@code write_bytes} and {@code du} in the window it happens: with a first warm-up too short it
 *   lands in the first window). In a short window these steps dominate both figures.</li>
 *   <li>Loopback is the floor of a network: on real machines each commit adds at least one round
 *   trip between the leader and the nearest follower, and the slowest disk of the majority's fsync.</li>
 *   <li>The members and the writer share the machine's cores: a member's CPU is taken from the
 *   writer's.</li>
 * </ul>
 */
public final class ReplicationBench
{
    private static final String[] LABELS = {"raft", "store"};

    private ReplicationBench()
    {
    }

    /** A process measured in a window: this JVM or a member; {@code folders} in the order of {@code labels}. */
    private record Proc(String name, long pid, List<String> labels, List<Path> folders)
    {
    }

    /** What one process did in one window. */
    private record ProcResult(String name, double cpuUsPerAck, double cores, double diskPerByte, double wcharPerByte,
                              Map<String, Double> growthPerByte, Map<String, Double> allocatedPerByte, long jitCompiles,
                              double jitMs, long gcCount, double gcMs)
    {
    }

    /** One measured point. */
    private record Point(String mode, int payload, int inflight, double warmup, double window, Histogram latency,
                         long failures, String note, List<ProcResult> procs)
    {
        String key()
        {
            return mode + ".p" + payload + ".n" + inflight;
        }

        double acksPerSec()
        {
            return latency.getTotalCount() / window;
        }
    }

    /** A load a point measures: started, measured from outside through its recorder, stopped and drained. */
    private interface Load
    {
        void start();

        Recorder recorder();

        long failures();

        /** Stop appending and wait for the appends in flight. @return a note on what did not finish, or "". */
        String stop() throws Exception;
    }

    /** @param args see the class comment. @throws Exception on failure. */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> d = new LinkedHashMap<>();
        d.put("inflight", "1,64,1024,8192");
        d.put("payloads", "64,1024");
        d.put("warmup", "5");
        d.put("first-warmup", "auto");
        d.put("seconds", "10");
        d.put("drain", "120");
        d.put("member-heap", "256m");
        d.put("dir", System.getProperty("java.io.tmpdir"));
        d.put("keep", "false");
        d.put("out", "");
        final Map<String, String> a = BenchArgs.parse(d, args);
        final int[] inflight = ints(a.get("inflight"));
        final int[] payloads = ints(a.get("payloads"));
        final double warmup = Double.parseDouble(a.get("warmup"));
        final double firstWarmup = a.get("first-warmup").equals("auto") ? 4 * warmup : Double.parseDouble(a.get("first-warmup"));
        final double seconds = Double.parseDouble(a.get("seconds"));
        final long drain = Long.parseLong(a.get("drain"));
        for (final int p : payloads)
        {
            if (p < Long.BYTES)
            {
                throw new IllegalArgumentException("payloads of at least 8 bytes (they carry a tag): " + p);
            }
        }
        final ReplicationOptions options = ReplicationOptions.defaults();
        final Path root = Files.createTempDirectory(Path.of(a.get("dir")), "durability-replication-bench-");
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "replication");
        out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("dir", root.toString());
        out.put("inflight", a.get("inflight"));
        out.put("payloads", a.get("payloads"));
        out.put("warmupSeconds", warmup);
        out.put("firstWarmupSeconds", firstWarmup);
        out.put("seconds", seconds);
        out.put("clockTicksPerSecond", ProcessCounters.CLOCK_TICKS);
        out.put("replicationOptions", options.toString());
        final List<Point> points = new ArrayList<>();
        final Tags tags = new Tags();
        final Proc self = new Proc("writer", ProcessHandle.current().pid(), List.of(), List.of());
        final List<Peer> peers = new ArrayList<>();
        for (int i = 1; i <= 3; i++)
        {
            peers.add(new Peer("n" + i, "127.0.0.1", freePort()));
        }
        final String spec = peers.stream().map(Peer::toString).collect(Collectors.joining(","));
        final List<Process> members = new ArrayList<>();
        boolean ok = false;
        try
        {
            final List<Proc> replicatedProcs = new ArrayList<>(List.of(self));
            for (final Peer p : peers)
            {
                final Process member = startMember(p, spec, root, a.get("member-heap"));
                members.add(member);
                final Path dir = root.resolve(p.id());
                replicatedProcs.add(new Proc(p.id(), member.pid(), List.of(LABELS),
                    List.of(dir.resolve("raft"), dir.resolve("store"))));
            }
            out.put("memberPids", replicatedProcs.stream().skip(1).map(p -> p.name() + "=" + p.pid())
                .collect(Collectors.joining(",")));
            try (ReplicatedWal wal = ReplicatedWal.connect(peers, options))
            {
                // The first append waits for the first leader (election timeout 2-4 s by default).
                final long t = System.nanoTime();
                appendTagged(wal, tags, new byte[payloads[0]]).get(120, TimeUnit.SECONDS);
                System.err.printf(Locale.ROOT, "group ready: first append acknowledged after %.1f s%n", (System.nanoTime() - t) / 1e9);
                boolean firstReplicated = true;
                boolean firstContinuous = true;
                boolean firstSync = true;
                int folder = 0;
                for (final int payload : payloads)
                {
                    for (final int n : inflight)
                    {
                        points.add(measure("replicated", payload, n, firstReplicated ? firstWarmup : warmup, seconds,
                            new ReplicatedLoad(wal, tags, n, payload, drain), replicatedProcs));
                        firstReplicated = false;
                        final Path local = root.resolve("local-" + folder++);
                        points.add(measure("localContinuous", payload, n, firstContinuous ? firstWarmup : warmup, seconds,
                            new LocalLoad(local, n, payload, true), List.of(new Proc("writer", self.pid(), List.of("store"),
                                List.of(local)))));
                        firstContinuous = false;
                        BenchFolders.delete(local);
                    }
                    final Path local = root.resolve("local-" + folder++);
                    points.add(measure("localSyncEach", payload, 1, firstSync ? firstWarmup : warmup, seconds,
                        new LocalLoad(local, 1, payload, false), List.of(new Proc("writer", self.pid(), List.of("store"),
                            List.of(local)))));
                    firstSync = false;
                    BenchFolders.delete(local);
                }
            }
            stopMembers(members);
            for (final Point p : points)
            {
                put(out, p);
            }
            System.out.println();
            System.out.print(table(points));
            System.out.println();
            ok = verify(root, peers, tags, out);
        }
        finally
        {
            stopMembers(members);
            if (Boolean.parseBoolean(a.get("keep")))
            {
                System.err.println("kept " + root);
            }
            else
            {
                BenchFolders.delete(root);
            }
        }
        BenchArgs.report(out, a.get("out"));
        if (!ok)
        {
            System.exit(1);
        }
    }

    // ------------------------------------------------------------------------------------------ measuring

    private static Point measure(final String mode, final int payload, final int inflight, final double warmup,
        final double seconds, final Load load, final List<Proc> procs) throws Exception
    {
        System.err.printf(Locale.ROOT, "%s, %d B, %d in flight: warm-up %.0f s, window %.0f s%n", mode, payload, inflight,
            warmup, seconds);
        load.start();
        final Histogram latency;
        final long failures;
        final List<ProcessCounters.Sample> before = new ArrayList<>();
        final List<ProcessCounters.Sample> after = new ArrayList<>();
        final long t0;
        final long t1;
        String note;
        try
        {
            sleep(warmup);
            for (final Proc p : procs)
            {
                before.add(ProcessCounters.sample(p.pid(), p.folders()));
            }
            final long failed0 = load.failures();
            load.recorder().getIntervalHistogram();   // discard the warm-up's
            t0 = System.nanoTime();
            sleep(seconds);
            latency = load.recorder().getIntervalHistogram();
            t1 = System.nanoTime();
            failures = load.failures() - failed0;
            for (final Proc p : procs)
            {
                after.add(ProcessCounters.sample(p.pid(), p.folders()));
            }
        }
        finally
        {
            note = load.stop();
        }
        final double window = (t1 - t0) / 1e9;
        final long acks = latency.getTotalCount();
        final double bytes = (double)acks * payload;
        final List<ProcResult> results = new ArrayList<>();
        for (int i = 0; i < procs.size(); i++)
        {
            final ProcessCounters.Sample b = before.get(i);
            final ProcessCounters.Sample e = after.get(i);
            final Map<String, Double> growth = new LinkedHashMap<>();
            final Map<String, Double> allocated = new LinkedHashMap<>();
            for (int f = 0; f < procs.get(i).labels().size(); f++)
            {
                growth.put(procs.get(i).labels().get(f), (e.folderBytes()[f] - b.folderBytes()[f]) / bytes);
                allocated.put(procs.get(i).labels().get(f), delta(b.allocatedBytes()[f], e.allocatedBytes()[f]) / bytes);
            }
            results.add(new ProcResult(procs.get(i).name(), delta(b.cpuNanos(), e.cpuNanos()) / 1e3 / acks,
                delta(b.cpuNanos(), e.cpuNanos()) / 1e9 / window, delta(b.writeBytes(), e.writeBytes()) / bytes,
                delta(b.writeCalls(), e.writeCalls()) / bytes, growth, allocated,
                b.jitCompiles() < 0 ? -1 : e.jitCompiles() - b.jitCompiles(), delta(b.jitNanos(), e.jitNanos()) / 1e6,
                b.gcCount() < 0 ? -1 : e.gcCount() - b.gcCount(), delta(b.gcNanos(), e.gcNanos()) / 1e6));
        }
        final Point p = new Point(mode, payload, inflight, warmup, window, latency, failures, note, results);
        System.err.printf(Locale.ROOT, "  %,.0f acks/s, p50 %,.0f µs, p99 %,.0f µs, p99.9 %,.0f µs%s%n", p.acksPerSec(),
            latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
            latency.getValueAtPercentile(99.9) / 1e3, note.isEmpty() ? "" : " (" + note + ")");
        return p;
    }

    private static double delta(final long before, final long after)
    {
        return before < 0 || after < 0 ? Double.NaN : after - before;
    }

    private static void sleep(final double seconds) throws InterruptedException
    {
        Thread.sleep((long)(seconds * 1000));
    }

    /** The tags appends carry (writer threads take them one after another), and which were acknowledged. */
    private static final class Tags
    {
        private static final int CHUNK_BITS = 22;   // tags per chunk: 4 Mi, 64 Ki longs
        private final AtomicReferenceArray<AtomicLongArray> acked = new AtomicReferenceArray<>(1 << 16);
        private long next;   // touched by one writer thread at a time; thread start/join order them

        long next()
        {
            final long tag = next++;
            final int chunk = (int)(tag >>> CHUNK_BITS);
            if (acked.get(chunk) == null)
            {
                acked.set(chunk, new AtomicLongArray(1 << (CHUNK_BITS - 6)));
            }
            return tag;
        }

        long issued()
        {
            return next;
        }

        void ack(final long tag)
        {
            final AtomicLongArray words = acked.get((int)(tag >>> CHUNK_BITS));
            final int bit = (int)(tag & ((1 << CHUNK_BITS) - 1));
            words.getAndAccumulate(bit >>> 6, 1L << (bit & 63), (x, y) -> x | y);
        }

        boolean isAcked(final long tag)
        {
            final AtomicLongArray words = acked.get((int)(tag >>> CHUNK_BITS));
            final int bit = (int)(tag & ((1 << CHUNK_BITS) - 1));
            return words != null && (words.get(bit >>> 6) & (1L << (bit & 63))) != 0;
        }
    }

    private static CompletableFuture<Long> appendTagged(final ReplicatedWal wal, final Tags tags, final byte[] payload)
    {
        final long tag = tags.next();
        new UnsafeBuffer(payload).putLong(0, tag);
        return wal.append(payload).whenComplete((id, error) ->
        {
            if (error == null)
            {
                tags.ack(tag);
            }
        });
    }

    /** N appends in flight on the replicated WAL, from one writer thread. */
    private static final class ReplicatedLoad implements Load
    {
        private final ReplicatedWal wal;
        private final Tags tags;
        private final int inflight;
        private final byte[] payload;
        private final UnsafeBuffer tagWriter;
        private final long drainSeconds;
        private final Semaphore permits;
        private final Recorder recorder = new Recorder(3);
        private final AtomicLong failures = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;
        private volatile Throwable firstFailure;

        ReplicatedLoad(final ReplicatedWal wal, final Tags tags, final int inflight, final int payload, final long drainSeconds)
        {
            this.wal = wal;
            this.tags = tags;
            this.inflight = inflight;
            this.payload = new byte[payload];
            this.tagWriter = new UnsafeBuffer(this.payload);
            this.drainSeconds = drainSeconds;
            this.permits = new Semaphore(inflight);
            this.thread = new Thread(this::run, "replicated-writer");
        }

        private void run()
        {
            try
            {
                while (running)
                {
                    if (!permits.tryAcquire(50, TimeUnit.MILLISECONDS))
                    {
                        continue;
                    }
                    final long tag = tags.next();
                    tagWriter.putLong(0, tag);   // append copies the payload before it returns
                    final long start = System.nanoTime();
                    final CompletableFuture<Long> f;
                    try
                    {
                        f = wal.append(payload);
                    }
                    catch (final RuntimeException ex)
                    {
                        failed(ex);
                        permits.release();
                        continue;
                    }
                    f.whenComplete((id, error) ->
                    {
                        final long now = System.nanoTime();
                        if (error == null)
                        {
                            recorder.recordValue(now - start);
                            tags.ack(tag);
                        }
                        else
                        {
                            failed(error);
                        }
                        permits.release();
                    });
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        private void failed(final Throwable error)
        {
            if (failures.getAndIncrement() == 0)
            {
                firstFailure = error;
            }
        }

        @Override
        public void start()
        {
            thread.start();
        }

        @Override
        public Recorder recorder()
        {
            return recorder;
        }

        @Override
        public long failures()
        {
            return failures.get();
        }

        @Override
        public String stop() throws InterruptedException
        {
            running = false;
            thread.join();
            final String failure = firstFailure == null ? "" : failures.get() + " failed, first: " + firstFailure;
            if (!permits.tryAcquire(inflight, drainSeconds, TimeUnit.SECONDS))
            {
                return (failure.isEmpty() ? "" : failure + "; ") + (inflight - permits.availablePermits()) +
                    " appends still in flight after a drain of " + drainSeconds + " s";
            }
            return failure;
        }
    }

    /**
     * Our local WAL on the same disk: N appends in flight under continuous group commit (acknowledged by
     * the durability listener), or one at a time with {@code flushAndSync} after each.
     */
    private static final class LocalLoad implements Load, DurabilityListener
    {
        private final Path folder;
        private final int inflight;
        private final byte[] payload;
        private final boolean continuous;
        private final Semaphore permits;
        private final long[] sentAt;
        private final int mask;
        private final Recorder recorder = new Recorder(3);
        private final AtomicLong failures = new AtomicLong();
        private final Thread thread;
        private volatile boolean running = true;
        private volatile Throwable failure;
        private long acknowledged;   // the syncer thread's

        LocalLoad(final Path folder, final int inflight, final int payload, final boolean continuous)
        {
            this.folder = folder;
            this.inflight = inflight;
            this.payload = new byte[payload];
            this.continuous = continuous;
            this.permits = new Semaphore(inflight);
            final int slots = Integer.highestOneBit(Math.max(1, inflight - 1)) << 1;
            this.sentAt = new long[slots];
            this.mask = slots - 1;
            this.thread = new Thread(this::run, continuous ? "local-continuous-writer" : "local-sync-writer");
        }

        private void run()
        {
            final WalOptions options = WalOptions.defaults()
                .withSyncPolicy(continuous ? SyncPolicy.continuous() : SyncPolicy.manual())
                .withDurabilityListener(this);
            final UnsafeBuffer tag = new UnsafeBuffer(payload);
            try (MmapDirectory directory = MmapDirectory.open(folder);
                WalWriter<byte[]> wal = WalWriter.create(directory, BytesCodec.INSTANCE, options))
            {
                long n = 0;
                while (running)
                {
                    tag.putLong(0, n++);
                    if (continuous)
                    {
                        if (!permits.tryAcquire(50, TimeUnit.MILLISECONDS))
                        {
                            continue;
                        }
                        final long id = wal.nextEntryId();
                        sentAt[(int)(id & mask)] = System.nanoTime();   // read by the syncer after the barrier covering id
                        wal.append(payload);
                    }
                    else
                    {
                        final long start = System.nanoTime();
                        wal.append(payload);
                        wal.flushAndSync();
                        recorder.recordValue(System.nanoTime() - start);
                    }
                }
                if (continuous && !wal.awaitDurable(wal.lastEntryId(), 60, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("entry " + wal.lastEntryId() + " not durable within 60 s");
                }
            }
            catch (final Throwable ex)
            {
                failures.incrementAndGet();
                failure = ex;
                permits.release(inflight);   // nothing more will be acknowledged
            }
        }

        @Override
        public void onDurable(final long lastDurableId)
        {
            if (!continuous)
            {
                return;
            }
            final long now = System.nanoTime();
            for (long id = acknowledged + 1; id <= lastDurableId; id++)
            {
                recorder.recordValue(now - sentAt[(int)(id & mask)]);
            }
            permits.release((int)(lastDurableId - acknowledged));
            acknowledged = lastDurableId;
        }

        @Override
        public void start()
        {
            thread.start();
        }

        @Override
        public Recorder recorder()
        {
            return recorder;
        }

        @Override
        public long failures()
        {
            return failures.get();
        }

        @Override
        public String stop() throws InterruptedException
        {
            running = false;
            thread.join();
            return failure == null ? "" : "failed: " + failure;
        }
    }

    // ------------------------------------------------------------------------------------------ checking

    /** Read every member's WAL: each acknowledged tag once. @return whether nothing was lost or duplicated. */
    private static boolean verify(final Path root, final List<Peer> peers, final Tags tags, final Map<String, Object> out)
    {
        final long issued = tags.issued();
        long ackedCount = 0;
        for (long t = 0; t < issued; t++)
        {
            ackedCount += tags.isAcked(t) ? 1 : 0;
        }
        out.put("verify.appended", issued);
        out.put("verify.acknowledged", ackedCount);
        System.out.printf(Locale.ROOT, "check: %,d appends sent, %,d acknowledged; each member's WAL:%n", issued, ackedCount);
        boolean ok = true;
        for (final Peer peer : peers)
        {
            final long[] seen = new long[(int)((issued + 63) >>> 6)];
            final long[] counts = new long[3];   // entries, duplicated, foreign
            String mode = "STRICT";
            String error = "";
            final Path store = root.resolve(peer.id()).resolve("store");
            for (final ReplayMode replay : ReplayMode.values())
            {
                Arrays.fill(seen, 0);
                Arrays.fill(counts, 0);
                mode = replay.name();
                try (MmapDirectory directory = MmapDirectory.open(store))
                {
                    new WalReader<>(directory, ReplicatedEntry.CODEC, WalOptions.defaults()).replayFrames(replay,
                        (id, buffer, offset, length) ->
                        {
                            counts[0]++;
                            if (length < ReplicatedEntry.HEADER_LENGTH + Long.BYTES)
                            {
                                counts[2]++;
                                return;
                            }
                            final long tag = buffer.getLong(offset + ReplicatedEntry.HEADER_LENGTH);
                            if (tag < 0 || tag >= issued)
                            {
                                counts[2]++;
                                return;
                            }
                            final int w = (int)(tag >>> 6);
                            final long bit = 1L << (tag & 63);
                            if ((seen[w] & bit) != 0)
                            {
                                counts[1]++;
                            }
                            seen[w] |= bit;
                        });
                    error = "";
                    break;
                }
                catch (final RuntimeException ex)
                {
                    error = (error.isEmpty() ? "" : error + "; ") + replay + ": " + ex;
                }
            }
            long lost = 0;
            long unacked = 0;
            for (long t = 0; t < issued; t++)
            {
                final boolean present = (seen[(int)(t >>> 6)] & (1L << (t & 63))) != 0;
                final boolean acked = tags.isAcked(t);
                lost += acked && !present ? 1 : 0;
                unacked += !acked && present ? 1 : 0;
            }
            final String k = "verify." + peer.id() + ".";
            out.put(k + "entries", counts[0]);
            out.put(k + "lost", lost);
            out.put(k + "duplicated", counts[1]);
            out.put(k + "unacknowledgedPresent", unacked);
            out.put(k + "foreign", counts[2]);
            out.put(k + "replayMode", mode);
            if (!error.isEmpty())
            {
                out.put(k + "error", error);
            }
            final boolean good = error.isEmpty() && lost == 0 && counts[1] == 0 && counts[2] == 0;
            ok &= good;
            System.out.printf(Locale.ROOT, "  %s: %,d entries, lost=%d duplicated=%d unacked=%d foreign=%d (%s replay)%s %s%n",
                peer.id(), counts[0], lost, counts[1], unacked, counts[2], mode, error.isEmpty() ? "" : " " + error,
                good ? "OK" : "FAILED");
        }
        out.put("verify.ok", ok);
        return ok;
    }

    // ------------------------------------------------------------------------------------------ reporting

    private static void put(final Map<String, Object> out, final Point p)
    {
        final String k = p.key() + ".";
        out.put(k + "warmupSeconds", p.warmup());
        out.put(k + "windowSeconds", p.window());
        out.put(k + "acks", p.latency().getTotalCount());
        out.put(k + "acksPerSec", p.acksPerSec());
        out.put(k + "ackP50Us", p.latency().getValueAtPercentile(50) / 1e3);
        out.put(k + "ackP99Us", p.latency().getValueAtPercentile(99) / 1e3);
        out.put(k + "ackP999Us", p.latency().getValueAtPercentile(99.9) / 1e3);
        out.put(k + "ackMaxUs", p.latency().getMaxValue() / 1e3);
        out.put(k + "failures", p.failures());
        if (!p.note().isEmpty())
        {
            out.put(k + "note", p.note());
        }
        for (final ProcResult r : p.procs())
        {
            final String q = k + r.name() + ".";
            out.put(q + "cpuUsPerAck", finite(r.cpuUsPerAck()));
            out.put(q + "cpuCores", finite(r.cores()));
            out.put(q + "diskWriteBytesPerPayloadByte", finite(r.diskPerByte()));
            out.put(q + "wcharBytesPerPayloadByte", finite(r.wcharPerByte()));
            r.growthPerByte().forEach((label, v) -> out.put(q + label + "GrowthPerPayloadByte", finite(v)));
            r.allocatedPerByte().forEach((label, v) -> out.put(q + label + "AllocatedPerPayloadByte", finite(v)));
            out.put(q + "jitCompiles", r.jitCompiles());
            out.put(q + "jitMs", finite(r.jitMs()));
            out.put(q + "gcCount", r.gcCount());
            out.put(q + "gcMs", finite(r.gcMs()));
        }
    }

    /** @return {@code v}, or null (JSON null) when it is not a number. */
    private static Double finite(final double v)
    {
        return Double.isFinite(v) ? v : null;
    }

    private static String table(final List<Point> points)
    {
        final StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-16s %8s %8s %10s %10s %10s %10s %7s%n", "mode", "payload", "inflight",
            "acks/s", "p50 µs", "p99 µs", "p99.9 µs", "failed"));
        double worstJitMs = 0;
        String worstJit = "";
        for (final Point p : points)
        {
            final Histogram h = p.latency();
            s.append(String.format(Locale.ROOT, "%-16s %6d B %8d %10s %10s %10s %10s %7d%s%n", p.mode(), p.payload(),
                p.inflight(), num(p.acksPerSec(), 0), num(h.getValueAtPercentile(50) / 1e3, 0),
                num(h.getValueAtPercentile(99) / 1e3, 0), num(h.getValueAtPercentile(99.9) / 1e3, 0), p.failures(),
                p.note().isEmpty() ? "" : "  (" + p.note() + ")"));
            s.append(String.format(Locale.ROOT, "    %-8s %11s %6s %9s %9s %10s %6s %7s %5s %7s%n", "process", "cpu µs/ack",
                "cores", "disk B/B", "raft/ B/B", "store/ B/B", "jit n", "jit ms", "gc n", "gc ms"));
            for (final ProcResult r : p.procs())
            {
                s.append(String.format(Locale.ROOT, "    %-8s %11s %6s %9s %9s %10s %6d %7s %5d %7s%n", r.name(),
                    num(r.cpuUsPerAck(), 1), num(r.cores(), 2), num(r.diskPerByte(), 2),
                    num(r.allocatedPerByte().getOrDefault("raft", Double.NaN), 2),
                    num(r.allocatedPerByte().getOrDefault("store", Double.NaN), 2), r.jitCompiles(), num(r.jitMs(), 1),
                    r.gcCount(), num(r.gcMs(), 1)));
                if (r.jitMs() > worstJitMs)
                {
                    worstJitMs = r.jitMs();
                    worstJit = r.name() + " in " + p.mode() + " " + p.payload() + " B x " + p.inflight();
                }
            }
        }
        s.append(String.format(Locale.ROOT, "most JIT compile time in a measured window: %s ms%s%n", num(worstJitMs, 1),
            worstJit.isEmpty() ? "" : " (" + worstJit + ")"));
        return s.toString();
    }

    private static String num(final double v, final int decimals)
    {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,." + decimals + "f", v) : "-";
    }

    private static int[] ints(final String list)
    {
        return Arrays.stream(list.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    // ------------------------------------------------------------------------------------------ members

    private static Process startMember(final Peer self, final String spec, final Path root, final String heap)
        throws Exception
    {
        final Path dir = root.resolve(self.id());
        Files.createDirectories(dir);
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Xmx" + heap, "-XX:+UsePerfData", "-cp", System.getProperty("java.class.path"),
            ReplicaServerMain.class.getName(), self.id(), spec, dir.toString()));
        final Process p = new ProcessBuilder(command)
            .redirectError(root.resolve(self.id() + ".stderr").toFile()).start();
        if (!ReplicaServerMain.awaitStarted(p, self.id(), 60, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new IllegalStateException("member " + self + " did not start within 60 s; see " + root.resolve(self.id() + ".stderr"));
        }
        return p;
    }

    /** SIGTERM (the member closes its server and WAL in its shutdown hook), then SIGKILL after 30 s. */
    private static void stopMembers(final List<Process> members) throws InterruptedException
    {
        for (final Process p : members)
        {
            p.destroy();
        }
        for (final Process p : members)
        {
            if (!p.waitFor(30, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
