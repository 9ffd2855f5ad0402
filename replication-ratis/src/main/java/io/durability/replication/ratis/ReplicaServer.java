package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * One member of a replica group, embedded: a Ratis server whose state machine is a
 * {@link WalStateMachine} over {@code <dataDir>/store} (Ratis's own log is in {@code <dataDir>/raft}).
 *
 * <p>Start the same group (same peers, same {@link ReplicationOptions#groupName()}) on every member;
 * the first start formats the member's folders, later starts (after a crash or a stop) recover them:
 * the WAL is resumed and Ratis re-applies what it has committed beyond the WAL.
 */
public final class ReplicaServer implements AutoCloseable
{
    private final Peer self;
    private final RaftServer server;
    private final RaftGroup group;
    private final WalStateMachine stateMachine;

    private ReplicaServer(final Peer self, final RaftServer server, final RaftGroup group, final WalStateMachine stateMachine)
    {
        this.self = self;
        this.server = server;
        this.group = group;
        this.stateMachine = stateMachine;
    }

    /**
     * Start member {@code selfId} of the group {@code peers}.
     *
     * @param selfId  this member's id, one of {@code peers}.
     * @param peers   every member of the group (the same list on every member).
     * @param dataDir this member's folder (created if missing; one member per folder).
     * @param options the group's options.
     * @return the running member.
     * @throws DurabilityException INVALID_CONFIG (selfId not a peer, duplicate ids), IO (cannot start).
     */
    public static ReplicaServer start(
        final String selfId, final List<Peer> peers, final Path dataDir, final ReplicationOptions options)
    {
        final Peer self = peers.stream().filter(p -> p.id().equals(selfId)).findFirst().orElseThrow(() ->
            DurabilityException.invalidConfig("this member is not one of the group's peers", peers, selfId));
        final RaftGroup group = group(peers, options);
        final WalStateMachine stateMachine = new WalStateMachine(dataDir.resolve("store"), options.walOptions(),
            options.mmapOptions());
        try
        {
            final Path raftDir = dataDir.resolve("raft");
            Files.createDirectories(raftDir);
            final boolean formatted = Files.exists(raftDir.resolve(group.getGroupId().getUuid().toString()));
            final RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(selfId))
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(options.serverProperties(self, raftDir))
                .setOption(formatted ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
            server.start();
            return new ReplicaServer(self, server, group, stateMachine);
        }
        catch (final IOException ex)
        {
            throw DurabilityException.io("cannot start replica " + self + " in " + dataDir + ": " + ex.getMessage(),
                dataDir.toString(), ex);
        }
    }

    /** The Ratis group of {@code peers}: its id is derived from the group's name, so every member agrees on it. */
    static RaftGroup group(final List<Peer> peers, final ReplicationOptions options)
    {
        if (peers.isEmpty())
        {
            throw DurabilityException.invalidConfig("a group needs at least one peer", ">= 1 peer", 0);
        }
        final Set<String> ids = new HashSet<>();
        final List<RaftPeer> raftPeers = new ArrayList<>();
        for (final Peer p : peers)
        {
            if (!ids.add(p.id()))
            {
                throw DurabilityException.invalidConfig("peer ids must be unique in a group", "unique ids", p.id());
            }
            raftPeers.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
        }
        final UUID uuid = UUID.nameUUIDFromBytes(("durability-replication:" + options.groupName()).getBytes(StandardCharsets.UTF_8));
        return RaftGroup.valueOf(RaftGroupId.valueOf(uuid), raftPeers);
    }

    /** @return this member. */
    public Peer self()
    {
        return self;
    }

    /** @return the folder of this member's WAL and checkpoints (read it with {@code WalReader}, {@code WalTailer}). */
    public Path storeDir()
    {
        return stateMachine.root();
    }

    /** @return this member's state machine (its state, its last WAL id). */
    public WalStateMachine stateMachine()
    {
        return stateMachine;
    }

    /** @return whether this member is the group's leader now. */
    public boolean isLeader()
    {
        return division().map(d -> d.getInfo().isLeader()).orElse(false);
    }

    /** @return the leader this member knows of, if any. */
    public Optional<String> leaderId()
    {
        return division().map(d -> d.getInfo().getLeaderId()).map(RaftPeerId::toString);
    }

    /** @return the Raft index of the last entry this member applied. */
    public long lastAppliedIndex()
    {
        return division().map(d -> d.getInfo().getLastAppliedIndex()).orElse(-1L);
    }

    /** @return the index of the first entry Ratis still holds in its log (it purges up to a snapshot). */
    public long raftLogStartIndex()
    {
        return division().map(d -> d.getRaftLog().getStartIndex()).orElse(-1L);
    }

    private Optional<RaftServer.Division> division()
    {
        try
        {
            return Optional.of(server.getDivision(group.getGroupId()));
        }
        catch (final IOException ex)
        {
            return Optional.empty();
        }
    }

    /** Stop this member (its WAL is closed cleanly: a final barrier). */
    @Override
    public void close()
    {
        try
        {
            server.close();
        }
        catch (final IOException ex)
        {
            throw DurabilityException.io("cannot stop replica " + self + ": " + ex.getMessage(), null, ex);
        }
    }
}
