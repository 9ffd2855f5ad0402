package io.durability.bench;

import io.durability.codec.BytesCodec;
import io.durability.replication.ratis.Peer;
import io.durability.replication.ratis.ReplicaServerMain;
import io.durability.replication.ratis.ReplicatedWal;
import io.durability.replication.ratis.ReplicationOptions;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Replicated append (three member JVMs on 127.0.0.1, a writer in this JVM) beside the local barriers
 * it replaces, in the same run: our WAL's {@code append} + {@code flushAndSync} per append and per 64
 * appends, on the same disk. Reports throughput and the latency of an acknowledgement (p50, p99):
 * for the replicated writer, one append at a time (each waits for its commit) and pipelined (64 in
 * flight).
 *
 * <pre>{@code
 * java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *   io.durability.bench.ReplicationBench --appends 20000 --payload 256 --dir /tmp
 * }</pre>
 *
 * <p>Loopback is the floor of a network: on real machines each commit adds at least one round trip
 * between the leader and the nearest follower (tens of microseconds in a rack, milliseconds across
 * zones) and the slowest disk of the majority's fsync.
 */
public final class ReplicationBench
{
    private ReplicationBench()
    {
    }

    /** @param args {@code --appends N --warmup N --payload BYTES --dir DIR --out FILE}. @throws Exception on failure. */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> d = new LinkedHashMap<>();
        d.put("appends", "20000");
        d.put("warmup", "2000");
        d.put("payload", "256");
        d.put("dir", System.getProperty("java.io.tmpdir"));
        d.put("out", "");
        final Map<String, String> a = BenchArgs.parse(d, args);
        final int appends = Integer.parseInt(a.get("appends"));
        final int warmup = Integer.parseInt(a.get("warmup"));
        final byte[] payload = new byte[Integer.parseInt(a.get("payload"))];
        final Path root = Files.createTempDirectory(Path.of(a.get("dir")), "durability-replication-bench-");
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "replication");
        out.put("appends", appends);
        out.put("payload", payload.length);
        out.put("dir", root.toString());
        try
        {
            local(root.resolve("local-1"), payload, Math.min(appends, 5_000), 1, "local_sync_every_1", out);
            local(root.resolve("local-64"), payload, appends, 64, "local_sync_every_64", out);
            replicated(root.resolve("group"), payload, appends, warmup, out);
        }
        finally
        {
            BenchFolders.delete(root);
        }
        BenchArgs.report(out, a.get("out"));
    }

    /** Our WAL on an MmapDirectory: {@code syncEvery} appends, then flushAndSync; latency per barrier-covered append. */
    private static void local(final Path dir, final byte[] payload, final int appends, final int syncEvery,
        final String name, final Map<String, Object> out) throws IOException
    {
        Files.createDirectories(dir);
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (MmapDirectory directory = MmapDirectory.open(dir);
            WalWriter<byte[]> wal = WalWriter.create(directory, BytesCodec.INSTANCE, WalOptions.defaults()))
        {
            final long start = System.nanoTime();
            long batchStart = start;
            for (int i = 1; i <= appends; i++)
            {
                wal.append(payload);
                if (i % syncEvery == 0 || i == appends)
                {
                    wal.flushAndSync();
                    final long now = System.nanoTime();
                    latency.recordValue(now - batchStart);   // what the first append of the batch waited for its barrier
                    batchStart = now;
                }
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            out.put(name + "_appends_per_s", appends / seconds);
            out.put(name + "_ack_p50_us", latency.getValueAtPercentile(50) / 1e3);
            out.put(name + "_ack_p99_us", latency.getValueAtPercentile(99) / 1e3);
        }
    }

    private static void replicated(final Path root, final byte[] payload, final int appends, final int warmup,
        final Map<String, Object> out) throws Exception
    {
        final List<Peer> peers = new ArrayList<>();
        for (int i = 1; i <= 3; i++)
        {
            peers.add(new Peer("n" + i, "127.0.0.1", freePort()));
        }
        final String spec = peers.stream().map(Peer::toString).collect(Collectors.joining(","));
        final List<Process> members = new ArrayList<>();
        try
        {
            for (final Peer p : peers)
            {
                members.add(startMember(p, spec, root));
            }
            try (ReplicatedWal wal = ReplicatedWal.connect(peers, ReplicationOptions.defaults()))
            {
                for (int i = 0; i < warmup; i++)
                {
                    wal.appendAndWait(payload);
                }
                final Histogram one = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                final int sequential = Math.min(appends, 5_000);
                long start = System.nanoTime();
                for (int i = 0; i < sequential; i++)
                {
                    final long t = System.nanoTime();
                    wal.appendAndWait(payload);
                    one.recordValue(System.nanoTime() - t);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                out.put("replicated_1_in_flight_appends_per_s", sequential / seconds);
                out.put("replicated_1_in_flight_ack_p50_us", one.getValueAtPercentile(50) / 1e3);
                out.put("replicated_1_in_flight_ack_p99_us", one.getValueAtPercentile(99) / 1e3);

                final Histogram piped = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                final List<CompletableFuture<Long>> window = new ArrayList<>();
                final long[] sentAt = new long[64];
                start = System.nanoTime();
                for (int i = 0; i < appends; i++)
                {
                    sentAt[window.size()] = System.nanoTime();
                    window.add(wal.append(payload));
                    if (window.size() == 64 || i == appends - 1)
                    {
                        for (int k = 0; k < window.size(); k++)
                        {
                            window.get(k).get(60, TimeUnit.SECONDS);
                            piped.recordValue(System.nanoTime() - sentAt[k]);
                        }
                        window.clear();
                    }
                }
                seconds = (System.nanoTime() - start) / 1e9;
                out.put("replicated_64_in_flight_appends_per_s", appends / seconds);
                out.put("replicated_64_in_flight_ack_p50_us", piped.getValueAtPercentile(50) / 1e3);
                out.put("replicated_64_in_flight_ack_p99_us", piped.getValueAtPercentile(99) / 1e3);
            }
        }
        finally
        {
            for (final Process p : members)
            {
                p.destroyForcibly();
            }
            for (final Process p : members)
            {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Process startMember(final Peer self, final String spec, final Path root) throws Exception
    {
        final Path dir = root.resolve(self.id());
        Files.createDirectories(dir);
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Xmx256m", "-cp", System.getProperty("java.class.path"), ReplicaServerMain.class.getName(),
            self.id(), spec, dir.toString()));
        final Process p = new ProcessBuilder(command)
            .redirectError(root.resolve(self.id() + ".stderr").toFile()).start();
        if (!ReplicaServerMain.awaitStarted(p, self.id(), 60, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("member " + self + " did not start within 60 s; see " + root.resolve(self.id() + ".stderr"));
        }
        return p;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
