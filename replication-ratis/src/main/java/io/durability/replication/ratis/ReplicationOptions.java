package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapOptions;
import io.durability.walog.WalOptions;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How a replica group runs and how a writer talks to it: Raft timeouts, group commit of appends,
 * back-pressure, snapshot cadence, the local WAL's segments. Immutable; every {@code with*} returns a
 * copy.
 *
 * <h2>Defaults, and why</h2>
 * <ul>
 *   <li><b>Election timeout 500-1000 ms</b> (Ratis: 150-300 ms): a leader that dies is replaced within
 *   about one timeout plus a vote; measured on a 2-core VM, a SIGKILLed leader's writer had its next
 *   acknowledgement within about 1.5 s (bench/RESULTS.md). Raise it where pauses of the JVM or the disk
 *   (GC, a stalled fsync) approach half a second, or elections will come for nothing.</li>
 *   <li><b>Request timeout 2 s</b>: how long one Raft RPC (a writer's request, a leader's append to a
 *   follower) waits for its answer before it is retried elsewhere; a paused leader is left after it.</li>
 *   <li><b>Group commit</b>: a writer keeps at most {@link #requestsInFlight()} (4) requests in flight;
 *   appends that arrive meanwhile ride together in the next request, at most
 *   {@link #batchMaxEntries()} (4096) appends and {@link #batchMaxBytes()} (1 MiB) of payload. One
 *   request is one Raft entry, one fsync on each member (shared with other entries that arrive
 *   while it runs) and one reply.</li>
 *   <li><b>Back-pressure</b>: at most {@link #maxPendingEntries()} (65 536) appends and
 *   {@link #maxPendingBytes()} (64 MiB) of payload queued or in flight per writer; an {@code append}
 *   beyond that waits up to {@link #backPressureWait()} (1 s) for room, then returns a future failed
 *   with INVALID_STATE (nothing sent). With a wait of zero, {@code append} never blocks.</li>
 *   <li>Append timeout 60 s, a snapshot every 100 000 Raft entries, Raft log segments of 8 MiB, WAL
 *   segments of 64 MiB.</li>
 * </ul>
 */
public final class ReplicationOptions
{
    private String groupName = "durability";
    private Duration electionTimeoutMin = Duration.ofMillis(500);
    private Duration electionTimeoutMax = Duration.ofMillis(1000);
    private Duration requestTimeout = Duration.ofSeconds(2);
    private Duration appendTimeout = Duration.ofSeconds(60);
    private long snapshotEvery = 100_000;
    private int raftSegmentBytes = 8 << 20;
    private int batchMaxEntries = 4096;
    private int batchMaxBytes = 1 << 20;
    private int requestsInFlight = 4;
    private long maxPendingEntries = 65_536;
    private long maxPendingBytes = 64L << 20;
    private Duration backPressureWait = Duration.ofSeconds(1);
    private WalOptions walOptions = WalOptions.defaults();
    private MmapOptions mmapOptions = MmapOptions.defaults();

    private ReplicationOptions()
    {
    }

    private ReplicationOptions copy()
    {
        final ReplicationOptions c = new ReplicationOptions();
        c.groupName = groupName;
        c.electionTimeoutMin = electionTimeoutMin;
        c.electionTimeoutMax = electionTimeoutMax;
        c.requestTimeout = requestTimeout;
        c.appendTimeout = appendTimeout;
        c.snapshotEvery = snapshotEvery;
        c.raftSegmentBytes = raftSegmentBytes;
        c.batchMaxEntries = batchMaxEntries;
        c.batchMaxBytes = batchMaxBytes;
        c.requestsInFlight = requestsInFlight;
        c.maxPendingEntries = maxPendingEntries;
        c.maxPendingBytes = maxPendingBytes;
        c.backPressureWait = backPressureWait;
        c.walOptions = walOptions;
        c.mmapOptions = mmapOptions;
        return c;
    }

    /** The defaults of the class comment. */
    public static ReplicationOptions defaults()
    {
        return new ReplicationOptions();
    }

    /** @param name the group's name (every member and client of a group uses the same). @return a copy. */
    public ReplicationOptions withGroupName(final String name)
    {
        if (name == null || name.isBlank())
        {
            throw DurabilityException.invalidConfig("a group needs a name", "a non-empty name", name);
        }
        final ReplicationOptions c = copy();
        c.groupName = name;
        return c;
    }

    /** @param min shortest election timeout (>= 50 ms). @param max longest (> min). @return a copy. */
    public ReplicationOptions withElectionTimeout(final Duration min, final Duration max)
    {
        if (min == null || max == null || min.toMillis() < 50 || max.compareTo(min) <= 0)
        {
            throw DurabilityException.invalidConfig("election timeouts: min >= 50 ms and max > min", "min < max",
                min + ".." + max);
        }
        final ReplicationOptions c = copy();
        c.electionTimeoutMin = min;
        c.electionTimeoutMax = max;
        return c;
    }

    /** @param timeout how long one Raft RPC waits for its reply (> the election timeout max is wise). @return a copy. */
    public ReplicationOptions withRequestTimeout(final Duration timeout)
    {
        positive(timeout, "request timeout");
        final ReplicationOptions c = copy();
        c.requestTimeout = timeout;
        return c;
    }

    /**
     * @param timeout how long {@link ReplicatedWal#append} keeps trying (across leader changes) before
     *                its future fails; the entry may still be committed later.
     * @return a copy.
     */
    public ReplicationOptions withAppendTimeout(final Duration timeout)
    {
        positive(timeout, "append timeout");
        final ReplicationOptions c = copy();
        c.appendTimeout = timeout;
        return c;
    }

    /** @param entries Raft entries applied between automatic snapshots (>= 1). @return a copy. */
    public ReplicationOptions withSnapshotEvery(final long entries)
    {
        if (entries < 1)
        {
            throw DurabilityException.invalidConfig("snapshot cadence is at least 1 entry", ">= 1", entries);
        }
        final ReplicationOptions c = copy();
        c.snapshotEvery = entries;
        return c;
    }

    /**
     * @param bytes size of a Raft log segment (Ratis purges whole closed segments), >= 64 KiB; the
     *              payload bytes per request ({@link #withBatching}) are lowered to half of it if above.
     * @return a copy.
     */
    public ReplicationOptions withRaftSegmentBytes(final int bytes)
    {
        if (bytes < 64 * 1024)
        {
            throw DurabilityException.invalidConfig("Raft log segments of at least 64 KiB", ">= 65536", bytes);
        }
        final ReplicationOptions c = copy();
        c.raftSegmentBytes = bytes;
        c.batchMaxBytes = Math.min(batchMaxBytes, bytes / 2);
        return c;
    }

    /**
     * Group commit of a writer's appends: each request (one Raft entry) carries at most
     * {@code maxEntries} appends and {@code maxBytes} of their payloads (one append larger than that
     * travels alone). A single append's latency does not wait for a batch to fill: a request leaves as
     * soon as fewer than {@link #requestsInFlight()} are in flight.
     *
     * @param maxEntries appends per request, 1..1 048 576.
     * @param maxBytes   payload bytes per request, 1 KiB..half a Raft log segment.
     * @return a copy.
     */
    public ReplicationOptions withBatching(final int maxEntries, final int maxBytes)
    {
        if (maxEntries < 1 || maxEntries > 1 << 20)
        {
            throw DurabilityException.invalidConfig("appends per request", "1..1048576", maxEntries);
        }
        if (maxBytes < 1024 || maxBytes > raftSegmentBytes / 2)
        {
            throw DurabilityException.invalidConfig("payload bytes per request", "1024.." + raftSegmentBytes / 2, maxBytes);
        }
        final ReplicationOptions c = copy();
        c.batchMaxEntries = maxEntries;
        c.batchMaxBytes = maxBytes;
        return c;
    }

    /**
     * @param requests how many requests a writer keeps in flight at once, 1..64: one lets each request
     *                 wait for the previous one's commit; a few let the next batch travel and be logged
     *                 while the previous one is fsynced.
     * @return a copy.
     */
    public ReplicationOptions withRequestsInFlight(final int requests)
    {
        if (requests < 1 || requests > 64)
        {
            throw DurabilityException.invalidConfig("requests in flight", "1..64", requests);
        }
        final ReplicationOptions c = copy();
        c.requestsInFlight = requests;
        return c;
    }

    /**
     * Explicit back-pressure: a writer holds at most {@code maxEntries} appends and {@code maxBytes} of
     * payload that are queued or in flight (one append larger than that is let in alone). An
     * {@link ReplicatedWal#append} beyond that waits up to {@code maxWait} for room, then returns a
     * future failed with INVALID_STATE (the append was not sent). A zero wait never blocks.
     *
     * @return a copy.
     */
    public ReplicationOptions withBackPressure(final long maxEntries, final long maxBytes, final Duration maxWait)
    {
        if (maxEntries < 1)
        {
            throw DurabilityException.invalidConfig("appends queued or in flight", ">= 1", maxEntries);
        }
        if (maxBytes < 1)
        {
            throw DurabilityException.invalidConfig("payload bytes queued or in flight", ">= 1", maxBytes);
        }
        if (maxWait == null || maxWait.isNegative())
        {
            throw DurabilityException.invalidConfig("back-pressure wait", ">= 0", maxWait);
        }
        final ReplicationOptions c = copy();
        c.maxPendingEntries = maxEntries;
        c.maxPendingBytes = maxBytes;
        c.backPressureWait = maxWait;
        return c;
    }

    /** @param wal how each replica's WAL is segmented. @return a copy. */
    public ReplicationOptions withWalOptions(final WalOptions wal)
    {
        final ReplicationOptions c = copy();
        c.walOptions = wal;
        return c;
    }

    /** @param mmap how each replica maps its segments. @return a copy. */
    public ReplicationOptions withMmapOptions(final MmapOptions mmap)
    {
        final ReplicationOptions c = copy();
        c.mmapOptions = mmap;
        return c;
    }

    private static void positive(final Duration d, final String what)
    {
        if (d == null || d.isNegative() || d.isZero())
        {
            throw DurabilityException.invalidConfig(what + " must be positive", "> 0", d);
        }
    }

    /** @return appends per request at most. */
    public int batchMaxEntries()
    {
        return batchMaxEntries;
    }

    /** @return payload bytes per request at most. */
    public int batchMaxBytes()
    {
        return batchMaxBytes;
    }

    /** @return requests a writer keeps in flight at most. */
    public int requestsInFlight()
    {
        return requestsInFlight;
    }

    /** @return appends queued or in flight per writer at most. */
    public long maxPendingEntries()
    {
        return maxPendingEntries;
    }

    /** @return payload bytes queued or in flight per writer at most. */
    public long maxPendingBytes()
    {
        return maxPendingBytes;
    }

    /** @return how long an append waits for room before its future fails. */
    public Duration backPressureWait()
    {
        return backPressureWait;
    }

    /** @return the shortest election timeout. */
    public Duration electionTimeoutMin()
    {
        return electionTimeoutMin;
    }

    /** @return the longest election timeout. */
    public Duration electionTimeoutMax()
    {
        return electionTimeoutMax;
    }

    /** @return the group's name. */
    public String groupName()
    {
        return groupName;
    }

    /** @return the append timeout. */
    public Duration appendTimeout()
    {
        return appendTimeout;
    }

    /** @return the request timeout. */
    public Duration requestTimeout()
    {
        return requestTimeout;
    }

    /** @return the WAL options. */
    public WalOptions walOptions()
    {
        return walOptions;
    }

    /** @return the mmap options. */
    public MmapOptions mmapOptions()
    {
        return mmapOptions;
    }

    /** The client side's Ratis properties. */
    RaftProperties clientProperties()
    {
        final RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeout));
        // The writer keeps requestsInFlight calls; Ratis's own bound (100 by default, a blocking semaphore)
        // must never be what stops an append: calls given up on by the writer may still hold a permit.
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, Math.max(1024, 16 * requestsInFlight));
        return p;
    }

    /**
     * A server's Ratis properties: its Raft log under {@code raftDir}, its RPC on {@code self}'s
     * host and port. Ratis's log stays durable before commit: every flush of its log is an fsync
     * before the flush index moves ({@code unsafe-flush} and {@code async-flush} stay off: in Ratis
     * 3.2.2 an async flush moves the flush index to the last entry <em>written when the force
     * returns</em>, which may include entries written after the force began, and moves it even when
     * the force failed). The log-metadata entry (one more entry and fsync per commit-index advance) is
     * off: a restarted member learns the commit index from the leader, and what it applied is in its
     * WAL.
     */
    RaftProperties serverProperties(final Peer self, final Path raftDir)
    {
        final RaftProperties p = clientProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(new File(raftDir.toString())));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(electionTimeoutMin));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(electionTimeoutMax));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, millis(electionTimeoutMin));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, millis(electionTimeoutMax));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeout));
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(raftSegmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(raftSegmentBytes, 1 << 20)));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int)Math.min(snapshotEvery, 1024));
        // Ratis never ships a snapshot: a member behind the leader's log is notified and fetches the WAL
        // entries it lacks from a peer (WalStateMachine.notifyInstallSnapshotFromLeader, CatchUp).
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        // No snapshot on stop: one at a member's very last entry can make the leader's notification answer
        // "already installed" at an index whose term the leader has purged (see SnapshotSafeGrpc).
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEvery);
        RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.min(snapshotEvery, 1024));
        // Ratis's gRPC with a leader-side fix for a follower that 3.2.2's appender would strand (SnapshotSafeGrpc).
        RaftConfigKeys.Rpc.setType(p, new SnapshotSafeGrpc());
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.port());
        return p;
    }

    private static TimeDuration millis(final Duration d)
    {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString()
    {
        return "ReplicationOptions[group=" + groupName + ", election=" + electionTimeoutMin.toMillis() + ".." +
            electionTimeoutMax.toMillis() + " ms, request=" + requestTimeout.toMillis() + " ms, append=" +
            appendTimeout.toMillis() + " ms, snapshotEvery=" + snapshotEvery + ", raftSegment=" + raftSegmentBytes +
            ", batch=" + batchMaxEntries + " appends/" + batchMaxBytes + " B, requestsInFlight=" + requestsInFlight +
            ", pending<=" + maxPendingEntries + " appends/" + maxPendingBytes + " B, backPressureWait=" +
            backPressureWait.toMillis() + " ms, " + walOptions + "]";
    }
}
