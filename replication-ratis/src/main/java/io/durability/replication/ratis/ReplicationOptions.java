package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapOptions;
import io.durability.walog.WalOptions;
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
 * How a replica group runs: Raft timeouts, snapshot cadence, the local WAL's segments. Immutable;
 * every {@code with*} returns a copy.
 *
 * <p>The defaults are raised from Ratis's (election 150-300 ms, request 3 s) so that a group of three
 * on a loaded 2-core machine does not hold elections for nothing: election timeout 2-4 s, RPC request
 * timeout 5 s. A leader lost is replaced within about one election timeout plus a vote (2-8 s); lower
 * them on dedicated machines with a steady network.
 */
public final class ReplicationOptions
{
    private final String groupName;
    private final Duration electionTimeoutMin;
    private final Duration electionTimeoutMax;
    private final Duration requestTimeout;
    private final Duration appendTimeout;
    private final long snapshotEvery;
    private final int raftSegmentBytes;
    private final WalOptions walOptions;
    private final MmapOptions mmapOptions;

    private ReplicationOptions(
        final String groupName, final Duration electionTimeoutMin, final Duration electionTimeoutMax,
        final Duration requestTimeout, final Duration appendTimeout, final long snapshotEvery, final int raftSegmentBytes,
        final WalOptions walOptions, final MmapOptions mmapOptions)
    {
        this.groupName = groupName;
        this.electionTimeoutMin = electionTimeoutMin;
        this.electionTimeoutMax = electionTimeoutMax;
        this.requestTimeout = requestTimeout;
        this.appendTimeout = appendTimeout;
        this.snapshotEvery = snapshotEvery;
        this.raftSegmentBytes = raftSegmentBytes;
        this.walOptions = walOptions;
        this.mmapOptions = mmapOptions;
    }

    /**
     * Group {@code durability}, election timeout 2-4 s, request timeout 5 s, append timeout 60 s, a
     * snapshot every 100 000 Raft entries, Raft log segments of 8 MiB, WAL segments of 64 MiB.
     */
    public static ReplicationOptions defaults()
    {
        return new ReplicationOptions("durability", Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5),
            Duration.ofSeconds(60), 100_000, 8 << 20, WalOptions.defaults(), MmapOptions.defaults());
    }

    /** @param name the group's name (every member and client of a group uses the same). @return a copy. */
    public ReplicationOptions withGroupName(final String name)
    {
        if (name == null || name.isBlank())
        {
            throw DurabilityException.invalidConfig("a group needs a name", "a non-empty name", name);
        }
        return new ReplicationOptions(name, electionTimeoutMin, electionTimeoutMax, requestTimeout, appendTimeout,
            snapshotEvery, raftSegmentBytes, walOptions, mmapOptions);
    }

    /** @param min shortest election timeout. @param max longest (> min). @return a copy. */
    public ReplicationOptions withElectionTimeout(final Duration min, final Duration max)
    {
        if (min.toMillis() < 50 || max.compareTo(min) <= 0)
        {
            throw DurabilityException.invalidConfig("election timeouts: min >= 50 ms and max > min", "min < max",
                min + ".." + max);
        }
        return new ReplicationOptions(groupName, min, max, requestTimeout, appendTimeout, snapshotEvery, raftSegmentBytes,
            walOptions, mmapOptions);
    }

    /** @param timeout how long one Raft RPC waits for its reply (> the election timeout max is wise). @return a copy. */
    public ReplicationOptions withRequestTimeout(final Duration timeout)
    {
        positive(timeout, "request timeout");
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, timeout, appendTimeout,
            snapshotEvery, raftSegmentBytes, walOptions, mmapOptions);
    }

    /**
     * @param timeout how long {@link ReplicatedWal#append} keeps trying (across leader changes) before
     *                its future fails; the entry may still be committed later.
     * @return a copy.
     */
    public ReplicationOptions withAppendTimeout(final Duration timeout)
    {
        positive(timeout, "append timeout");
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, requestTimeout, timeout,
            snapshotEvery, raftSegmentBytes, walOptions, mmapOptions);
    }

    /** @param entries Raft entries applied between automatic snapshots (>= 1). @return a copy. */
    public ReplicationOptions withSnapshotEvery(final long entries)
    {
        if (entries < 1)
        {
            throw DurabilityException.invalidConfig("snapshot cadence is at least 1 entry", ">= 1", entries);
        }
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, requestTimeout, appendTimeout,
            entries, raftSegmentBytes, walOptions, mmapOptions);
    }

    /** @param bytes size of a Raft log segment (Ratis purges whole closed segments), >= 64 KiB. @return a copy. */
    public ReplicationOptions withRaftSegmentBytes(final int bytes)
    {
        if (bytes < 64 * 1024)
        {
            throw DurabilityException.invalidConfig("Raft log segments of at least 64 KiB", ">= 65536", bytes);
        }
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, requestTimeout, appendTimeout,
            snapshotEvery, bytes, walOptions, mmapOptions);
    }

    /** @param wal how each replica's WAL is segmented. @return a copy. */
    public ReplicationOptions withWalOptions(final WalOptions wal)
    {
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, requestTimeout, appendTimeout,
            snapshotEvery, raftSegmentBytes, wal, mmapOptions);
    }

    /** @param mmap how each replica maps its segments. @return a copy. */
    public ReplicationOptions withMmapOptions(final MmapOptions mmap)
    {
        return new ReplicationOptions(groupName, electionTimeoutMin, electionTimeoutMax, requestTimeout, appendTimeout,
            snapshotEvery, raftSegmentBytes, walOptions, mmap);
    }

    private static void positive(final Duration d, final String what)
    {
        if (d == null || d.isNegative() || d.isZero())
        {
            throw DurabilityException.invalidConfig(what + " must be positive", "> 0", d);
        }
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
        return p;
    }

    /**
     * A server's Ratis properties: its Raft log under {@code raftDir}, its RPC on {@code self}'s
     * host and port. Ratis's log stays durable before commit (its default: every flush of its log is
     * an fsync; {@code raft.server.log.unsafe-flush.enabled} stays false).
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
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(raftSegmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(raftSegmentBytes, 1 << 20)));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int)Math.min(snapshotEvery, 1024));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEvery);
        RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.min(snapshotEvery, 1024));
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
            ", " + walOptions + "]";
    }
}
