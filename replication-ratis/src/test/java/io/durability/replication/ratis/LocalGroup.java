package io.durability.replication.ratis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A group of replicas in this JVM, on loopback ports chosen at run time, each in its own folder under {@code root}. */
final class LocalGroup implements AutoCloseable
{
    final List<Peer> peers;
    final Path root;
    final ReplicationOptions options;
    final ReplicaServer[] servers;

    LocalGroup(final int size, final Path root, final ReplicationOptions options)
    {
        this.peers = Replicas.loopbackPeers(size);
        this.root = root;
        this.options = options;
        this.servers = new ReplicaServer[size];
        for (int i = 0; i < size; i++)
        {
            start(i);
        }
    }

    void start(final int i)
    {
        servers[i] = ReplicaServer.start(peers.get(i).id(), peers, dataDir(i), options);
    }

    void stop(final int i)
    {
        servers[i].close();
        servers[i] = null;
    }

    Path dataDir(final int i)
    {
        return root.resolve(peers.get(i).id());
    }

    Path storeDir(final int i)
    {
        return dataDir(i).resolve("store");
    }

    /** @return the index of the leader, once one is elected. */
    int awaitLeader(final Duration timeout) throws InterruptedException
    {
        final int[] leader = {-1};
        Replicas.await("a leader", timeout, () ->
        {
            for (int i = 0; i < servers.length; i++)
            {
                if (servers[i] != null && servers[i].isLeader())
                {
                    leader[0] = i;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Wait until every running replica has written {@code lastEntryId} entries. */
    void awaitEntries(final long lastEntryId, final Duration timeout) throws InterruptedException
    {
        Replicas.await("every replica at entry " + lastEntryId, timeout, () ->
        {
            for (final ReplicaServer s : servers)
            {
                if (s != null && s.stateMachine().lastEntryId() < lastEntryId)
                {
                    return false;
                }
            }
            return true;
        });
    }

    @Override
    public void close()
    {
        RuntimeException first = null;
        for (int i = 0; i < servers.length; i++)
        {
            if (servers[i] != null)
            {
                try
                {
                    stop(i);
                }
                catch (final RuntimeException ex)
                {
                    first = first == null ? ex : first;
                }
            }
        }
        if (first != null)
        {
            throw first;
        }
    }
}
