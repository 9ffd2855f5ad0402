package io.durability.replication.ratis;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * Ratis's gRPC transport with one change in the leader's log appender, for a defect of Ratis 3.2.2
 * (fixed upstream by RATIS-2487, in no release yet).
 *
 * <p>The defect: when a follower's next index is the first entry of the leader's log and the entry
 * before it was purged (and is not the latest snapshot's), the 3.2.2 appender neither sends the
 * snapshot (the follower is not <em>behind</em> the log start) nor can it send entries (it needs the
 * previous entry's term): it fails with a {@code NullPointerException} ("Previous TermIndex not found
 * for firstIndex"), stops, and is never restarted. The follower then hears nothing from the leader
 * again. It happens after a leader change plus a snapshot: Ratis starts a new log segment with each
 * term, purges whole segments up to the snapshot, and a follower that stopped at the old term's last
 * entry asks exactly for the new segment's first one. Our nemesis test stranded a member this way in
 * 4 of 10 runs.
 *
 * <p>The change: in that situation the appender moves the follower's next index back by one, so its
 * next round finds the follower behind the log start and notifies it to catch up
 * ({@link WalStateMachine#notifyInstallSnapshotFromLeader}): the follower fetches the leader's entries
 * up to the leader's applied index, past the purged one, and the leader goes on from there. (One case
 * stays open: a follower whose own Ratis snapshot is exactly at that purged index answers "already
 * installed" without asking its state machine, and the two repeat; the members take no snapshot on stop,
 * which made it likely.) Every member runs it ({@link ReplicationOptions} sets this type); the wire
 * protocol is Ratis's gRPC, unchanged, so writers use Ratis's own client.
 */
public final class SnapshotSafeGrpc implements RpcType
{
    /** For Ratis, which makes its RPC type by class name. */
    public SnapshotSafeGrpc()
    {
    }

    @Override
    public String name()
    {
        return SnapshotSafeGrpc.class.getName();
    }

    @Override
    public RpcFactory newFactory(final Parameters parameters)
    {
        return new Factory(parameters);
    }

    /** Ratis's gRPC factory, but its leaders' appenders are {@link Appender}s. */
    static final class Factory extends GrpcFactory
    {
        Factory(final Parameters parameters)
        {
            super(parameters);
        }

        @Override
        public LogAppender newLogAppender(final RaftServer.Division server, final LeaderState state, final FollowerInfo f)
        {
            return new Appender(server, state, f);
        }
    }

    /** Ratis's gRPC log appender that has the follower catch up where 3.2.2's would fail (see the class comment). */
    static final class Appender extends GrpcLogAppender
    {
        Appender(final RaftServer.Division server, final LeaderState leaderState, final FollowerInfo f)
        {
            super(server, leaderState, f);
        }

        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(final long callId, final boolean heartbeat)
            throws RaftLogIOException
        {
            final long next = getFollower().getNextIndex();
            if (!heartbeat && previousUnknown(next, getRaftLog(), getServer().getStateMachine().getLatestSnapshot()))
            {
                // Behind the log start by one: the appender's next round notifies the follower to catch up.
                getFollower().decreaseNextIndex(next - 1);
                return null;
            }
            return super.newAppendEntriesRequest(callId, heartbeat);
        }

        /**
         * @return whether entries from {@code next} on cannot be sent: the leader has them, but neither
         * its log nor its snapshot knows the term of the entry before them.
         */
        static boolean previousUnknown(final long next, final RaftLog log, final SnapshotInfo snapshot)
        {
            return next > RaftLog.LEAST_VALID_LOG_INDEX && next < log.getNextIndex() &&
                log.getTermIndex(next - 1) == null && (snapshot == null || snapshot.getTermIndex().getIndex() != next - 1);
        }
    }
}
