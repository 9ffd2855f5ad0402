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
import io.durability.walog.NextSegment;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 *   [--inflight 1,64,1024,8192] [--payloads 64,1024] [--jit-warmup 120] [--warmup 5] [--first-warmup 20] [--seconds 10] \
 *   [--drain 120] [--member-heap 256m] [--election-ms default|MIN,MAX] [--requests-in-flight default|K] \
 *   [--member-page-warmer default|BYTES] [--next-segment default|AUTO|BACKGROUND|INLINE|AT_ROLL] \
 *   [--failovers 5] [--failover-inflight 64] \
 *   [--dir /tmp] [--keep false] [--out replication.json]
 * }</pre>
 * Short check: {@code --inflight 1,64 --payloads 64 --warmup 3 --seconds 3 --failovers 3} (about two
 * minutes). The defaults take about 7 minutes, and disk for every replicated append three times (the
 * members' WALs are kept until the end, for the check).
 *
 * <p>{@code --election-ms MIN,MAX} sets the Raft election timeout of the members and of the writer's
 * options alike (the members are always given the writer's, {@code --election-ms MIN MAX} of
 * {@link ReplicaServerMain}); {@code default} keeps {@link ReplicationOptions#defaults()} (500-1000
 * ms). The run prints which, and the JSON has it ({@code electionMs}, {@code electionSource}).
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
 * <p>First a JIT warm-up, unmeasured: {@code --jit-warmup} seconds (120) of replicated appends, half
 * with 1 024 in flight, a quarter with 64, a quarter with 1, then up to 10 s of local continuous ones,
 * so that the code every point runs is compiled before any window. On a 2-core machine running four
 * JVMs the compilers drain their queues slowly: a 20 s warm-up still left seconds of compilation in
 * the first windows, and one append in flight alone makes too few calls for C2. The per-process
 * {@code jit} columns show what compiled inside each window.
 *
 * <p>Each point starts with {@code sync(1)} (the previous point's dirty pages reach the disk first), then
 * a warm-up ({@code --first-warmup} seconds for the first point of each mode, default
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
 * <h2>Failover</h2>
 * After the points (unless {@code --failovers 0}), on the same group and WAL, a writer keeps
 * {@code --failover-inflight} (64) appends of the first payload size in flight continuously (the same
 * permits), and {@code --failovers} times: after 2 s of steady acknowledgements (one at least every
 * 100 ms), the leader the writer last heard of ({@link ReplicatedWal#leaderId()}) is killed with
 * SIGKILL ({@link Process#destroyForcibly()}); then, 1 s after the group goes on, it is started again
 * on the same folder with the same flags, and the next round waits for 3 s of steady
 * acknowledgements. Per round:
 * <ul>
 *   <li>{@code failover ms}: from the kill to the acknowledgement of the first append <em>sent</em>
 *   (its {@code append} called) after the kill. With 64 in flight the writer usually holds no permit
 *   at the kill, so that append leaves when the new leader acknowledges the first appends of before
 *   the kill: the figure includes the detection of the dead leader (a request timeout or the
 *   followers' election timeout), the election, the writer finding the new leader, the appends in
 *   flight at the kill sent again and committed, and one more commit;</li>
 *   <li>{@code ack gap ms}: the longest interval between consecutive acknowledgements (any append)
 *   from the last one before the kill to 1 s after the failover's; {@code 1st any ms}: kill to the
 *   first acknowledgement of any append (a reply already on its way at the kill can make it ~0);</li>
 *   <li>{@code restart ms}: from starting the member's JVM again to its {@code started} line;
 *   {@code catch-up ms}: from the same start until it has applied every Raft entry the leader had
 *   committed when it served ({@code behind} entries then), from Ratis's group info
 *   ({@code LogInfoProto} of the member itself);</li>
 *   <li>{@code failed}: appends whose future failed (expected 0: the writer retries across the leader
 *   change); {@code resent}: {@link ReplicatedWal#resentRequests()} in the round (requests the writer
 *   sent again as new calls after Ratis's client gave up on them; Ratis's own retries of a call are
 *   not counted).</li>
 * </ul>
 * then p50 and max over the rounds, and for the phase the appends sent, acknowledged and failed and
 * the requests resent. The JSON has every round ({@code failover.r<i>.*}) and the summary
 * ({@code failover.*}). The appends of the phase carry tags like the others: the check below covers
 * them. Ratis logs through slf4j, and the bench jar has no slf4j provider: its ERROR lines on
 * redirected requests during a leader change are not printed (members' standard error is in
 * {@code <dir>/n<i>.stderr}, appended to on each restart).
 *
 * <h2>Check</h2>
 * Before the members stop, the bench waits (up to 60 s) until each has applied everything the
 * group committed (a member started again late catches up first). Then the members are stopped and
 * each member's WAL is read: every acknowledged
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
        d.put("jit-warmup", "120");
        d.put("seconds", "10");
        d.put("drain", "120");
        d.put("member-heap", "256m");
        d.put("election-ms", "default");
        d.put("requests-in-flight", "default");
        d.put("member-page-warmer", "default");
        d.put("next-segment", "default");
        d.put("failovers", "5");
        d.put("failover-inflight", "64");
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
        final int failovers = Integer.parseInt(a.get("failovers"));
        final int failoverInflight = Integer.parseInt(a.get("failover-inflight"));
        final ReplicationOptions options = a.get("requests-in-flight").equals("default") ? electionOptions(a.get("election-ms")) :
            electionOptions(a.get("election-ms")).withRequestsInFlight(Integer.parseInt(a.get("requests-in-flight")));
        final String electionSource = a.get("election-ms").equals("default") ? "ReplicationOptions defaults" : "--election-ms";
        final List<String> memberFlags = new ArrayList<>(List.of("--election-ms", Long.toString(options.electionTimeoutMin().toMillis()),
            Long.toString(options.electionTimeoutMax().toMillis())));
        if (!a.get("member-page-warmer").equals("default"))
        {
            memberFlags.addAll(List.of("--page-warmer-bytes", a.get("member-page-warmer")));
        }
        // How every WAL of the run (the members' and the local ones) gets its next segment.
        final NextSegment nextSegment = a.get("next-segment").equals("default") ? WalOptions.defaults().nextSegment() :
            NextSegment.valueOf(a.get("next-segment"));
        if (!a.get("next-segment").equals("default"))
        {
            memberFlags.addAll(List.of("--next-segment", a.get("next-segment")));
        }
        System.err.printf(Locale.ROOT, "election timeout %d..%d ms (%s), members and writer alike; request timeout %d ms%n",
            options.electionTimeoutMin().toMillis(), options.electionTimeoutMax().toMillis(), electionSource,
            options.requestTimeout().toMillis());
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
        out.put("electionMs", options.electionTimeoutMin().toMillis() + "," + options.electionTimeoutMax().toMillis());
        out.put("electionSource", electionSource);
        out.put("memberPageWarmer", a.get("member-page-warmer"));
        out.put("nextSegment", nextSegment.toString());
        out.put("failovers", failovers);
        final List<Point> points = new ArrayList<>();
        FailoverResult rounds = null;
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
                final Process member = startMember(p, spec, root, a.get("member-heap"), memberFlags);
                members.add(member);
                final Path dir = root.resolve(p.id());
                replicatedProcs.add(new Proc(p.id(), member.pid(), List.of(LABELS),
                    List.of(dir.resolve("raft"), dir.resolve("store"))));
            }
            out.put("memberPids", replicatedProcs.stream().skip(1).map(p -> p.name() + "=" + p.pid())
                .collect(Collectors.joining(",")));
            try (ReplicatedWal wal = ReplicatedWal.connect(peers, options))
            {
                // The first append waits for the first leader (about one election timeout).
                final long t = System.nanoTime();
                appendTagged(wal, tags, new byte[payloads[0]]).get(120, TimeUnit.SECONDS);
                System.err.printf(Locale.ROOT, "group ready: first append acknowledged after %.1f s%n", (System.nanoTime() - t) / 1e9);
                // The JIT compiles a path after thousands of calls: one append in flight makes a few hundred a
                // second, so a time-based warm-up of the first point measures the compilers. Warm every path
                // first at full rate (1 024 in flight, replicated and local), unmeasured.
                final double jitWarmup = Double.parseDouble(a.get("jit-warmup"));
                out.put("jitWarmupSeconds", jitWarmup);
                if (jitWarmup > 0)
                {
                    System.err.printf(Locale.ROOT, "JIT warm-up: replicated %.0f s (1024, then 64, then 1 in flight), then " +
                        "local continuous%n", jitWarmup);
                    final int[] shapes = {1024, 64, 1};
                    final double[] share = {0.5, 0.25, 0.25};
                    for (int i = 0; i < shapes.length; i++)
                    {
                        final ReplicatedLoad hot = new ReplicatedLoad(wal, tags, shapes[i], payloads[0], drain);
                        hot.start();
                        sleep(jitWarmup * share[i]);
                        hot.stop();
                    }
                    final Path local = root.resolve("local-jit");
                    final LocalLoad hotLocal = new LocalLoad(local, 1024, payloads[0], true, nextSegment);
                    hotLocal.start();
                    sleep(Math.min(jitWarmup, 10));
                    hotLocal.stop();
                    BenchFolders.delete(local);
                }
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
                            new LocalLoad(local, n, payload, true, nextSegment), List.of(new Proc("writer", self.pid(), List.of("store"),
                                List.of(local)))));
                        firstContinuous = false;
                        BenchFolders.delete(local);
                    }
                    final Path local = root.resolve("local-" + folder++);
                    points.add(measure("localSyncEach", payload, 1, firstSync ? firstWarmup : warmup, seconds,
                        new LocalLoad(local, 1, payload, false, nextSegment), List.of(new Proc("writer", self.pid(), List.of("store"),
                            List.of(local)))));
                    firstSync = false;
                    BenchFolders.delete(local);
                }
                try (GroupProbe probe = new GroupProbe(peers))
                {
                    if (failovers > 0)
                    {
                        rounds = failover(wal, tags, peers, members, probe, failovers, failoverInflight, payloads[0], drain,
                            new MemberStarter(spec, root, a.get("member-heap"), memberFlags), out);
                    }
                    settle(probe, peers, out);
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
            if (rounds != null)
            {
                put(out, rounds);
                System.out.print(table(rounds));
                System.out.println();
            }
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
        // What the previous point left dirty in the page cache goes to the disk first: its write-back would
        // otherwise slow this point's fsyncs (ext4 commits its journal with the data of other files too).
        new ProcessBuilder("sync").inheritIO().start().waitFor();
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
    /**
     * The replicated writer's loop, shared by the measured load and the failover phase: {@code inflight}
     * tagged appends in flight all the time, each completion releasing a permit, each step reported to
     * {@link Events}.
     */
    private static final class TaggedAppends
    {
        /** What happened to an append ({@code tag} is -1 when {@code append} itself threw). */
        interface Events
        {
            default void sent(final long tag, final long startNanos)
            {
            }

            void acked(long tag, long startNanos, long nowNanos);

            void failed(long tag, Throwable error);
        }

        private final ReplicatedWal wal;
        private final Tags tags;
        private final int inflight;
        private final byte[] payload;
        private final UnsafeBuffer tagWriter;
        private final Semaphore permits;

        TaggedAppends(final ReplicatedWal wal, final Tags tags, final int inflight, final int payload)
        {
            this.wal = wal;
            this.tags = tags;
            this.inflight = inflight;
            this.payload = new byte[payload];
            this.tagWriter = new UnsafeBuffer(this.payload);
            this.permits = new Semaphore(inflight);
        }

        /** Append while {@code running} says so (on the caller's thread); an interrupt ends it quietly. */
        void run(final java.util.function.BooleanSupplier running, final Events events)
        {
            try
            {
                while (running.getAsBoolean())
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
                        events.failed(-1, ex);
                        permits.release();
                        continue;
                    }
                    events.sent(tag, start);
                    f.whenComplete((id, error) ->
                    {
                        final long now = System.nanoTime();
                        if (error == null)
                        {
                            tags.ack(tag);
                            events.acked(tag, start, now);
                        }
                        else
                        {
                            events.failed(tag, error);
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

        /** Wait for the appends in flight. @return "" or what did not finish within {@code drainSeconds}. */
        String drain(final long drainSeconds) throws InterruptedException
        {
            return permits.tryAcquire(inflight, drainSeconds, TimeUnit.SECONDS) ? "" :
                (inflight - permits.availablePermits()) + " appends still in flight after a drain of " + drainSeconds + " s";
        }
    }

    /** A load driven by one thread of its own: its latency recorder, its failure count, start and halt. */
    private abstract static class ThreadLoad implements Load
    {
        final Recorder recorder = new Recorder(3);
        final AtomicLong failures = new AtomicLong();
        volatile boolean running = true;
        private final Thread thread;

        ThreadLoad(final String name)
        {
            this.thread = new Thread(this::run, name);
        }

        abstract void run();

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

        /** Ask the thread to stop and wait for it. */
        void halt() throws InterruptedException
        {
            running = false;
            thread.join();
        }
    }

    private static final class ReplicatedLoad extends ThreadLoad implements TaggedAppends.Events
    {
        private final TaggedAppends appends;
        private final long drainSeconds;
        private volatile Throwable firstFailure;

        ReplicatedLoad(final ReplicatedWal wal, final Tags tags, final int inflight, final int payload, final long drainSeconds)
        {
            super("replicated-writer");
            this.appends = new TaggedAppends(wal, tags, inflight, payload);
            this.drainSeconds = drainSeconds;
        }

        @Override
        void run()
        {
            appends.run(() -> running, this);
        }

        @Override
        public void acked(final long tag, final long startNanos, final long nowNanos)
        {
            recorder.recordValue(nowNanos - startNanos);
        }

        @Override
        public void failed(final long tag, final Throwable error)
        {
            if (failures.getAndIncrement() == 0)
            {
                firstFailure = error;
            }
        }

        @Override
        public String stop() throws InterruptedException
        {
            halt();
            final String failure = firstFailure == null ? "" : failures.get() + " failed, first: " + firstFailure;
            final String drained = appends.drain(drainSeconds);
            return failure.isEmpty() || drained.isEmpty() ? failure + drained : failure + "; " + drained;
        }
    }

    /**
     * Our local WAL on the same disk: N appends in flight under continuous group commit (acknowledged by
     * the durability listener), or one at a time with {@code flushAndSync} after each.
     */
    private static final class LocalLoad extends ThreadLoad implements DurabilityListener
    {
        private final Path folder;
        private final int inflight;
        private final byte[] payload;
        private final boolean continuous;
        private final NextSegment nextSegment;
        private final Semaphore permits;
        private final long[] sentAt;
        private final int mask;
        private volatile Throwable failure;
        private long acknowledged;   // the syncer thread's

        LocalLoad(final Path folder, final int inflight, final int payload, final boolean continuous,
            final NextSegment nextSegment)
        {
            super(continuous ? "local-continuous-writer" : "local-sync-writer");
            this.folder = folder;
            this.inflight = inflight;
            this.payload = new byte[payload];
            this.continuous = continuous;
            this.nextSegment = nextSegment;
            this.permits = new Semaphore(inflight);
            final int slots = Integer.highestOneBit(Math.max(1, inflight - 1)) << 1;
            this.sentAt = new long[slots];
            this.mask = slots - 1;
        }

        @Override
        void run()
        {
            final WalOptions options = WalOptions.defaults()
                .withSyncPolicy(continuous ? SyncPolicy.continuous() : SyncPolicy.manual())
                .withNextSegment(nextSegment)
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
        public String stop() throws InterruptedException
        {
            halt();
            return failure == null ? "" : "failed: " + failure;
        }
    }

    // ------------------------------------------------------------------------------------------ failover

    /** How a member is started (again): the same folder, heap and flags as at the start of the bench. */
    private record MemberStarter(String spec, Path root, String heap, List<String> flags)
    {
        Process start(final Peer self) throws Exception
        {
            return startMember(self, spec, root, heap, flags);
        }
    }

    /**
     * One failover: the leader killed, how long until the first append sent after the kill was
     * acknowledged, the longest silence between acknowledgements around it, and the killed member's
     * return.
     */
    private record Round(int round, String leader, double failoverMs, double ackGapMs, double firstAckMs,
                         double restartMs, double catchUpMs, long behind, long failed, long resent)
    {
    }

    /** The failover phase. */
    private record FailoverResult(int payload, int inflight, String election, List<Round> rounds, long appends,
                                  long acknowledged, long failed, String firstFailure, long resent, long resentTotal,
                                  String note)
    {
    }

    /**
     * The failover phase: a writer keeps {@code inflight} appends in flight while, {@code count} times,
     * the leader is killed (SIGKILL) after about 2 s of steady acknowledgements and started again once
     * the group goes on.
     */
    private static FailoverResult failover(final ReplicatedWal wal, final Tags tags, final List<Peer> peers,
        final List<Process> members, final GroupProbe probe, final int count, final int inflight, final int payload,
        final long drain, final MemberStarter starter, final Map<String, Object> out) throws Exception
    {
        final String election = String.valueOf(out.get("electionMs")).replace(",", "..") + " ms";
        System.err.printf(Locale.ROOT, "failover: %d B, %d in flight, %d rounds, election %s%n", payload, inflight, count,
            election);
        final FailoverLoad load = new FailoverLoad(wal, tags, inflight, payload);
        final long resent0 = wal.resentRequests();
        final long issued0 = tags.issued();
        final List<Round> rounds = new ArrayList<>();
        final List<String> pids = new ArrayList<>();
        load.start();
        String note = "";
        try
        {
            for (int r = 1; r <= count; r++)
            {
                load.awaitSteady(2.0, 120);
                final String leader = awaitLeader(wal, peers, 30);
                final int index = peerIndex(peers, leader);
                final long resentBefore = wal.resentRequests();
                final long failedBefore = load.failures();
                final Process victim = members.get(index);
                final long killAt = load.markKill();
                victim.destroyForcibly();
                if (!victim.waitFor(30, TimeUnit.SECONDS))
                {
                    throw new IllegalStateException("member " + leader + " (pid " + victim.pid() + ") still runs 30 s after SIGKILL");
                }
                final long firstAck = load.awaitFirstAckAfterKill(120);
                if (firstAck == 0)
                {
                    throw new IllegalStateException("round " + r + ": no append sent after the kill of " + leader +
                        " was acknowledged within 120 s");
                }
                sleep(1.0);   // the silence, if any, after the first acknowledgement is part of the failover too
                final long gap = load.maxGapSinceKill();
                final long firstAny = load.firstAnyAckAfterKill();
                // The killed member comes back: the same folder and flags.
                final long restartAt = System.nanoTime();
                final Process again = starter.start(peers.get(index));
                members.set(index, again);
                pids.add(leader + "=" + again.pid());
                final long served = System.nanoTime();
                final long[] caughtUp = awaitCaughtUp(probe, wal, peers, leader, 120);
                final Round round = new Round(r, leader, (firstAck - killAt) / 1e6, gap / 1e6,
                    firstAny == 0 ? Double.NaN : (firstAny - killAt) / 1e6, (served - restartAt) / 1e6,
                    caughtUp[0] == 0 ? Double.NaN : (caughtUp[0] - restartAt) / 1e6, caughtUp[1],
                    load.failures() - failedBefore, wal.resentRequests() - resentBefore);
                rounds.add(round);
                System.err.printf(Locale.ROOT, "  round %d: killed leader %s; failover %,.0f ms (first ack of any append %,.0f ms), " +
                        "longest ack gap %,.0f ms; %d failed, %d resent; restarted in %,.0f ms, caught up %s ms after its start " +
                        "(%,d entries behind when it served)%n", r, leader, round.failoverMs(), round.firstAckMs(),
                    round.ackGapMs(), round.failed(), round.resent(), round.restartMs(), num(round.catchUpMs(), 0),
                    round.behind());
                load.awaitSteady(3.0, 120);
            }
        }
        finally
        {
            note = load.stop(drain);
        }
        out.put("failover.restartedPids", String.join(",", pids));
        final long acknowledged = load.acks();
        return new FailoverResult(payload, inflight, election, rounds, tags.issued() - issued0, acknowledged,
            load.failures(), load.firstFailure(), wal.resentRequests() - resent0, wal.resentRequests(), note);
    }

    /** @return the leader the writer last heard of, once it is one of {@code peers}. */
    private static String awaitLeader(final ReplicatedWal wal, final List<Peer> peers, final long seconds)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true)
        {
            final String leader = wal.leaderId();
            if (leader != null && peerIndex(peers, leader) >= 0)
            {
                return leader;
            }
            if (System.nanoTime() - deadline >= 0)
            {
                throw new IllegalStateException("the writer knows no leader after " + seconds + " s (last: " + leader + ")");
            }
            Thread.sleep(50);
        }
    }

    private static int peerIndex(final List<Peer> peers, final String id)
    {
        for (int i = 0; i < peers.size(); i++)
        {
            if (peers.get(i).id().equals(id))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Wait until the member {@code id}, just started again, has applied every entry the leader had
     * committed when it served. @return the time it had (0 if not within the timeout) and how many
     * entries it was behind when it served.
     */
    private static long[] awaitCaughtUp(final GroupProbe probe, final ReplicatedWal wal, final List<Peer> peers,
        final String id, final long seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long target = -1;
        long behind = -1;
        while (System.nanoTime() - deadline < 0)
        {
            if (target < 0)
            {
                final String leader = wal.leaderId();
                final GroupProbe.Log l = leader == null ? null : probe.log(leader);
                final GroupProbe.Log m = probe.log(id);
                if (l != null && m != null)
                {
                    target = l.committed();
                    behind = Math.max(0, target - m.applied());
                }
            }
            if (target >= 0)
            {
                final GroupProbe.Log m = probe.log(id);
                if (m != null && m.applied() >= target)
                {
                    return new long[] {System.nanoTime(), behind};
                }
            }
            Thread.sleep(20);
        }
        return new long[] {0, behind};
    }

    /**
     * Before the members stop (and their WALs are read): wait until each has applied what the group
     * committed, so that a member started again late in the run is checked with the others.
     */
    private static void settle(final GroupProbe probe, final List<Peer> peers, final Map<String, Object> out)
        throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(60);
        long committed = -1;
        for (final Peer p : peers)
        {
            final GroupProbe.Log l = probe.log(p.id());
            committed = l == null ? committed : Math.max(committed, l.committed());
        }
        final List<String> lagging = new ArrayList<>();
        for (final Peer p : peers)
        {
            while (true)
            {
                final GroupProbe.Log l = probe.log(p.id());
                if (l != null && l.applied() >= committed)
                {
                    break;
                }
                if (System.nanoTime() - deadline >= 0)
                {
                    lagging.add(p.id() + " applied " + (l == null ? "?" : Long.toString(l.applied())));
                    break;
                }
                Thread.sleep(20);
            }
        }
        out.put("settle.committed", committed);
        out.put("settle.ms", (System.nanoTime() - start) / 1e6);
        System.err.printf(Locale.ROOT, "settle: every member applied through Raft index %,d after %,.0f ms%s%n", committed,
            (System.nanoTime() - start) / 1e6, lagging.isEmpty() ? "" : "; NOT: " + lagging);
    }

    /** Asks each member for its Raft log's state (Ratis's group info), one member at a time, no retries. */
    private static final class GroupProbe implements AutoCloseable
    {
        /** A member's last committed and applied Raft indexes. */
        record Log(long committed, long applied)
        {
        }

        private final RaftClient client;
        private RaftGroupId groupId;

        GroupProbe(final List<Peer> peers)
        {
            final List<RaftPeer> raftPeers = new ArrayList<>();
            for (final Peer p : peers)
            {
                raftPeers.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
            }
            final RaftProperties properties = new RaftProperties();
            RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(2, TimeUnit.SECONDS));
            this.client = RaftClient.newBuilder().setProperties(properties)
                .setRaftGroup(RaftGroup.valueOf(RaftGroupId.randomId(), raftPeers))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
        }

        /** @return member {@code id}'s log state, or null when it does not answer. */
        Log log(final String id)
        {
            try
            {
                final RaftPeerId peer = RaftPeerId.valueOf(id);
                if (groupId == null)
                {
                    // The members' group (its id is derived from the group's name): the one group they serve.
                    final List<RaftGroupId> groups = client.getGroupManagementApi(peer).list().getGroupIds();
                    if (groups.size() != 1)
                    {
                        return null;
                    }
                    groupId = groups.get(0);
                }
                final GroupInfoReply reply = client.getGroupManagementApi(peer).info(groupId);
                final RaftProtos.LogInfoProto log = reply.getLogInfoProto();
                return new Log(log.getCommitted().getIndex(), log.getApplied().getIndex());
            }
            catch (final IOException | RuntimeException ex)
            {
                return null;
            }
        }

        @Override
        public void close() throws IOException
        {
            client.close();
        }
    }

    /**
     * {@code inflight} appends in flight on the replicated WAL, from one writer thread, watched around a
     * kill: the acknowledgement of the first append sent after it, and the longest interval between
     * consecutive acknowledgements.
     */
    private static final class FailoverLoad implements TaggedAppends.Events
    {
        private final TaggedAppends appends;
        private final Thread thread;
        private volatile boolean running = true;
        // Guarded by this: completions run on the writer's I/O thread (or this load's thread).
        private long acks;
        private long lastAckAt;
        private long maxGap;
        private long killAt;
        private boolean killed;
        private long firstTag = -1;
        private long firstAckAt;
        private long firstAnyAckAt;
        private long failures;
        private Throwable firstFailure;

        FailoverLoad(final ReplicatedWal wal, final Tags tags, final int inflight, final int payload)
        {
            this.appends = new TaggedAppends(wal, tags, inflight, payload);
            this.thread = new Thread(() -> appends.run(() -> running, this), "failover-writer");
        }

        void start()
        {
            thread.start();
        }

        @Override
        public synchronized void sent(final long tag, final long start)
        {
            if (killed && firstTag < 0 && start - killAt >= 0)
            {
                firstTag = tag;
            }
        }

        @Override
        public synchronized void acked(final long tag, final long start, final long now)
        {
            acks++;
            if (lastAckAt != 0)
            {
                maxGap = Math.max(maxGap, now - lastAckAt);
            }
            lastAckAt = now;
            if (killed && firstAnyAckAt == 0)
            {
                firstAnyAckAt = now;
            }
            if (tag == firstTag && firstAckAt == 0)
            {
                firstAckAt = now;
                notifyAll();
            }
        }

        @Override
        public synchronized void failed(final long tag, final Throwable error)
        {
            if (failures++ == 0)
            {
                firstFailure = error;
            }
            if (tag >= 0 && tag == firstTag && firstAckAt == 0)
            {
                firstTag = -1;   // the next append sent after the kill is the one that tells
            }
        }

        /** A kill is about to happen: start watching. @return the kill's time. */
        synchronized long markKill()
        {
            killAt = System.nanoTime();
            killed = true;
            firstTag = -1;
            firstAckAt = 0;
            firstAnyAckAt = 0;
            maxGap = 0;   // the interval that spans the kill starts at the last acknowledgement before it
            return killAt;
        }

        /** @return when the first append sent after the kill was acknowledged, or 0 if not within the timeout. */
        synchronized long awaitFirstAckAfterKill(final long seconds) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long left;
            while (firstAckAt == 0 && (left = deadline - System.nanoTime()) > 0)
            {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return firstAckAt;
        }

        synchronized long firstAnyAckAfterKill()
        {
            return firstAnyAckAt;
        }

        /** @return the longest interval between consecutive acknowledgements since the kill (nanoseconds). */
        synchronized long maxGapSinceKill()
        {
            return maxGap;
        }

        synchronized long acks()
        {
            return acks;
        }

        synchronized long failures()
        {
            return failures;
        }

        synchronized String firstFailure()
        {
            return firstFailure == null ? "" : firstFailure.toString();
        }

        /** Wait until acknowledgements have come in every 100 ms for {@code seconds} in a row. */
        void awaitSteady(final double seconds, final long timeoutSeconds) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long steadySince = System.nanoTime();
            long last = acks();
            while (System.nanoTime() - steadySince < (long)(seconds * 1e9))
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new IllegalStateException("no " + seconds + " s of steady acknowledgements within " +
                        timeoutSeconds + " s");
                }
                Thread.sleep(100);
                final long now = acks();
                if (now == last)
                {
                    steadySince = System.nanoTime();
                }
                last = now;
            }
        }

        /** Stop appending and wait for the appends in flight. @return a note on what did not finish, or "". */
        String stop(final long drainSeconds) throws InterruptedException
        {
            running = false;
            thread.join();
            return appends.drain(drainSeconds);
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

    private static void put(final Map<String, Object> out, final FailoverResult f)
    {
        out.put("failover.payload", f.payload());
        out.put("failover.inflight", f.inflight());
        out.put("failover.election", f.election());
        out.put("failover.rounds", f.rounds().size());
        for (final Round r : f.rounds())
        {
            final String k = "failover.r" + r.round() + ".";
            out.put(k + "leader", r.leader());
            out.put(k + "failoverMs", finite(r.failoverMs()));
            out.put(k + "ackGapMs", finite(r.ackGapMs()));
            out.put(k + "firstAckMs", finite(r.firstAckMs()));
            out.put(k + "restartMs", finite(r.restartMs()));
            out.put(k + "catchUpMs", finite(r.catchUpMs()));
            out.put(k + "behindEntries", r.behind());
            out.put(k + "failed", r.failed());
            out.put(k + "resent", r.resent());
        }
        out.put("failover.failoverP50Ms", finite(percentile(f.rounds(), Round::failoverMs, 50)));
        out.put("failover.failoverMaxMs", finite(percentile(f.rounds(), Round::failoverMs, 100)));
        out.put("failover.ackGapP50Ms", finite(percentile(f.rounds(), Round::ackGapMs, 50)));
        out.put("failover.ackGapMaxMs", finite(percentile(f.rounds(), Round::ackGapMs, 100)));
        out.put("failover.catchUpMaxMs", finite(percentile(f.rounds(), Round::catchUpMs, 100)));
        out.put("failover.appends", f.appends());
        out.put("failover.acknowledged", f.acknowledged());
        out.put("failover.failed", f.failed());
        if (!f.firstFailure().isEmpty())
        {
            out.put("failover.firstFailure", f.firstFailure());
        }
        out.put("failover.resentRequests", f.resent());
        out.put("writer.resentRequests", f.resentTotal());
        if (!f.note().isEmpty())
        {
            out.put("failover.note", f.note());
        }
    }

    /** @return the {@code pct} percentile (nearest rank) of {@code field} over the rounds; NaN when there are none. */
    private static double percentile(final List<Round> rounds, final java.util.function.ToDoubleFunction<Round> field,
        final double pct)
    {
        final double[] v = rounds.stream().mapToDouble(field).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0)
        {
            return Double.NaN;
        }
        final int rank = (int)Math.ceil(pct / 100 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private static String table(final FailoverResult f)
    {
        final StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "failover: leader SIGKILLed, %d B x %d in flight, election %s%n", f.payload(),
            f.inflight(), f.election()));
        s.append(String.format(Locale.ROOT, "%6s %7s %12s %11s %13s %11s %12s %10s %7s %7s%n", "round", "leader",
            "failover ms", "ack gap ms", "1st any ms", "restart ms", "catch-up ms", "behind", "failed", "resent"));
        for (final Round r : f.rounds())
        {
            s.append(String.format(Locale.ROOT, "%6d %7s %12s %11s %13s %11s %12s %,10d %7d %7d%n", r.round(), r.leader(),
                num(r.failoverMs(), 0), num(r.ackGapMs(), 0), num(r.firstAckMs(), 0), num(r.restartMs(), 0),
                num(r.catchUpMs(), 0), r.behind(), r.failed(), r.resent()));
        }
        s.append(String.format(Locale.ROOT, "%6s %7s %12s %11s%n", "p50", "", num(percentile(f.rounds(), Round::failoverMs, 50), 0),
            num(percentile(f.rounds(), Round::ackGapMs, 50), 0)));
        s.append(String.format(Locale.ROOT, "%6s %7s %12s %11s%n", "max", "", num(percentile(f.rounds(), Round::failoverMs, 100), 0),
            num(percentile(f.rounds(), Round::ackGapMs, 100), 0)));
        s.append(String.format(Locale.ROOT, "appends in the phase: %,d sent, %,d acknowledged, %d failed%s; writer's requests " +
                "resent: %d in the phase, %d in the run%s%n", f.appends(), f.acknowledged(), f.failed(),
            f.firstFailure().isEmpty() ? "" : " (first: " + f.firstFailure() + ")", f.resent(), f.resentTotal(),
            f.note().isEmpty() ? "" : " (" + f.note() + ")"));
        return s.toString();
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

    /** @return options whose election timeout is {@code spec} ("MIN,MAX" in ms), or the defaults for "default". */
    private static ReplicationOptions electionOptions(final String spec)
    {
        final ReplicationOptions defaults = ReplicationOptions.defaults();
        if (spec.equals("default"))
        {
            return defaults;
        }
        final int[] ms = ints(spec);
        if (ms.length != 2)
        {
            throw new IllegalArgumentException("--election-ms MIN,MAX (milliseconds): " + spec);
        }
        return defaults.withElectionTimeout(Duration.ofMillis(ms[0]), Duration.ofMillis(ms[1]));
    }

    /**
     * Start member {@code self} in {@code root/<id>} (a member started again after a kill finds its
     * folder as it left it), its standard error appended to {@code root/<id>.stderr}, and wait until it
     * serves.
     */
    private static Process startMember(final Peer self, final String spec, final Path root, final String heap,
        final List<String> flags) throws Exception
    {
        final Path dir = root.resolve(self.id());
        Files.createDirectories(dir);
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Xmx" + heap, "-XX:+UsePerfData", "-cp", System.getProperty("java.class.path"),
            ReplicaServerMain.class.getName(), self.id(), spec, dir.toString()));
        command.addAll(flags);
        final Process p = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(root.resolve(self.id() + ".stderr").toFile())).start();
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
