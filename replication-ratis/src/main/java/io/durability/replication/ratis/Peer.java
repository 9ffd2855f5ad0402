package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;

import java.util.ArrayList;
import java.util.List;

/**
 * One member of a replica group: its id (unique in the group) and where its Raft RPC listens.
 *
 * @param id   the member's id: letters, digits, {@code -} and {@code _}.
 * @param host the host or address the other members and clients reach it at.
 * @param port its Raft RPC port (1..65535).
 */
public record Peer(String id, String host, int port)
{
    /**
     * @throws DurabilityException INVALID_CONFIG on an empty or odd id, an empty host or a port out of range.
     */
    public Peer
    {
        if (id == null || !id.matches("[A-Za-z0-9_-]+"))
        {
            throw DurabilityException.invalidConfig("a peer id is letters, digits, '-' and '_'", "e.g. n1", id);
        }
        if (host == null || host.isBlank())
        {
            throw DurabilityException.invalidConfig("a peer needs a host", "e.g. 127.0.0.1", host);
        }
        if (port < 1 || port > 65535)
        {
            throw DurabilityException.invalidConfig("a peer's port is 1..65535", "1..65535", port);
        }
    }

    /** @return {@code host:port}. */
    public String address()
    {
        return host + ":" + port;
    }

    /**
     * Parse {@code id=host:port,id=host:port,...}.
     *
     * @throws DurabilityException INVALID_CONFIG naming the part that is not {@code id=host:port}.
     */
    public static List<Peer> parseList(final String spec)
    {
        final List<Peer> peers = new ArrayList<>();
        for (final String part : spec.split(","))
        {
            final int eq = part.indexOf('=');
            final int colon = part.lastIndexOf(':');
            if (eq <= 0 || colon <= eq + 1 || colon == part.length() - 1)
            {
                throw DurabilityException.invalidConfig("a peer is id=host:port", "id=host:port", part);
            }
            final int port;
            try
            {
                port = Integer.parseInt(part.substring(colon + 1).trim());
            }
            catch (final NumberFormatException ex)
            {
                throw DurabilityException.invalidConfig("a peer's port is a number", "id=host:port", part);
            }
            peers.add(new Peer(part.substring(0, eq).trim(), part.substring(eq + 1, colon).trim(), port));
        }
        return peers;
    }

    @Override
    public String toString()
    {
        return id + "=" + address();
    }
}
