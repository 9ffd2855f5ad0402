package io.durability.replication.ratis;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a replica knows besides its entries: the last Raft entry it applied, the last WAL id it
 * assigned, and, per client, the ids of the requests the client may still retry. It is the payload
 * of a replica's checkpoints and is rebuilt on restart from the newest checkpoint plus the WAL after
 * it, so it is durable whenever the WAL is. Every replica applies the same entries in the same
 * order, so every replica holds the same state at the same Raft index.
 *
 * <p>Not thread-safe: the state machine guards it.
 */
public final class ReplicaState
{
    /** The checkpoint payload's layout version. */
    static final int VERSION = 1;

    private long lastTerm;
    private long lastIndex;
    private long lastEntryId;
    /** client id -> its retryable requests; TreeMaps, so the checkpoint encoding is deterministic. */
    private final TreeMap<Long, Client> clients = new TreeMap<>();

    /** The requests one client may still retry. */
    private static final class Client
    {
        long ackedThrough;
        final TreeMap<Long, Long> idBySequence = new TreeMap<>();
    }

    /** @return the Raft term of the last entry applied (0 before any). */
    public long lastTerm()
    {
        return lastTerm;
    }

    /** @return the Raft index of the last entry applied (0 before any). */
    public long lastIndex()
    {
        return lastIndex;
    }

    /** @return the WAL id of the last user entry written (0 before any). */
    public long lastEntryId()
    {
        return lastEntryId;
    }

    /** @return how many clients the state remembers. */
    public int clientCount()
    {
        return clients.size();
    }

    /**
     * @return the WAL id request ({@code clientId}, {@code sequence}) was written under, {@code -1}
     * when it was not, or {@code 0} when the client has already said it has the reply (so a request
     * with that sequence is a stale copy that must not be written).
     */
    long idOf(final long clientId, final long sequence)
    {
        final Client c = clients.get(clientId);
        if (c == null)
        {
            return -1;
        }
        if (sequence <= c.ackedThrough)
        {
            return 0;
        }
        final Long id = c.idBySequence.get(sequence);
        return id == null ? -1 : id;
    }

    /**
     * @return the highest sequence of {@code clientId} this state knows written or acknowledged (0
     * when none): a request below it that is not known is out of order and must not be written.
     */
    long highestSequence(final long clientId)
    {
        final Client c = clients.get(clientId);
        if (c == null)
        {
            return 0;
        }
        return c.idBySequence.isEmpty() ? c.ackedThrough : Math.max(c.ackedThrough, c.idBySequence.lastKey());
    }

    /**
     * Record that a request was written under {@code entryId}. The Raft position moves separately
     * ({@link #advance}): once per Raft entry, which may carry several requests. Only written entries
     * change a client's requests, so the state is a function of the WAL's entries (a replica that
     * restarts rebuilds exactly the state of one that did not).
     */
    void recordEntry(final long entryId, final long clientId, final long sequence, final long ackedThrough)
    {
        if (entryId != lastEntryId + 1)
        {
            throw DurabilityException.invalidState(
                "replica state out of step with its WAL: entry " + entryId + " after " + lastEntryId, null);
        }
        final Client c = clients.computeIfAbsent(clientId, k -> new Client());
        c.idBySequence.put(sequence, entryId);
        forget(c, ackedThrough);
        lastEntryId = entryId;
    }

    /** Move the last applied Raft position forward (entries that are not user entries move it too). */
    void advance(final long term, final long index)
    {
        if (index > lastIndex)
        {
            lastIndex = index;
            lastTerm = term;
        }
    }

    private static void forget(final Client c, final long ackedThrough)
    {
        if (ackedThrough > c.ackedThrough)
        {
            c.ackedThrough = ackedThrough;
            c.idBySequence.headMap(ackedThrough, true).clear();
        }
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof ReplicaState other))
        {
            return false;
        }
        if (lastTerm != other.lastTerm || lastIndex != other.lastIndex || lastEntryId != other.lastEntryId ||
            clients.size() != other.clients.size())
        {
            return false;
        }
        for (final Map.Entry<Long, Client> e : clients.entrySet())
        {
            final Client mine = e.getValue();
            final Client theirs = other.clients.get(e.getKey());
            if (theirs == null || mine.ackedThrough != theirs.ackedThrough || !mine.idBySequence.equals(theirs.idBySequence))
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(lastIndex) * 31 + Long.hashCode(lastEntryId);
    }

    @Override
    public String toString()
    {
        return "ReplicaState[term=" + lastTerm + ", index=" + lastIndex + ", lastEntryId=" + lastEntryId + ", clients=" +
            clients.size() + "]";
    }

    /**
     * The checkpoint encoding, deterministic (clients and sequences in ascending order):
     * {@code version:int32, term:int64, index:int64, lastEntryId:int64, clients:int32}, then per client
     * {@code clientId:int64, ackedThrough:int64, n:int32} and n times {@code sequence:int64, id:int64}.
     */
    static final Codec<ReplicaState> CODEC = new Codec<>()
    {
        @Override
        public int encode(final ReplicaState s, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            final long length = exactLength(s);
            if (length > maxLength)
            {
                return DOES_NOT_FIT;
            }
            int p = offset;
            buffer.putInt(p, VERSION);
            buffer.putLong(p + 4, s.lastTerm);
            buffer.putLong(p + 12, s.lastIndex);
            buffer.putLong(p + 20, s.lastEntryId);
            buffer.putInt(p + 28, s.clients.size());
            p += 32;
            for (final Map.Entry<Long, Client> e : s.clients.entrySet())
            {
                buffer.putLong(p, e.getKey());
                buffer.putLong(p + 8, e.getValue().ackedThrough);
                buffer.putInt(p + 16, e.getValue().idBySequence.size());
                p += 20;
                for (final Map.Entry<Long, Long> r : e.getValue().idBySequence.entrySet())
                {
                    buffer.putLong(p, r.getKey());
                    buffer.putLong(p + 8, r.getValue());
                    p += 16;
                }
            }
            return p - offset;
        }

        @Override
        public long exactLength(final ReplicaState s)
        {
            long length = 32;
            for (final Client c : s.clients.values())
            {
                length += 20 + 16L * c.idBySequence.size();
            }
            return length;
        }

        @Override
        public ReplicaState decode(final DirectBuffer buffer, final int offset, final int length)
        {
            need(offset, 32, length, 0);
            final int version = buffer.getInt(offset);
            if (version != VERSION)
            {
                throw DurabilityException.decode("unknown replica checkpoint version", offset, VERSION, version);
            }
            final ReplicaState s = new ReplicaState();
            s.lastTerm = buffer.getLong(offset + 4);
            s.lastIndex = buffer.getLong(offset + 12);
            s.lastEntryId = buffer.getLong(offset + 20);
            final int count = buffer.getInt(offset + 28);
            int p = 32;
            for (int i = 0; i < count; i++)
            {
                need(offset, p + 20, length, p);
                final Client c = new Client();
                final long clientId = buffer.getLong(offset + p);
                c.ackedThrough = buffer.getLong(offset + p + 8);
                final int n = buffer.getInt(offset + p + 16);
                p += 20;
                if (n < 0 || (long)n * 16 > length - p)
                {
                    throw DurabilityException.decode("replica checkpoint: request count beyond the payload", offset + p - 4,
                        "0.." + (length - p) / 16, n);
                }
                for (int j = 0; j < n; j++)
                {
                    c.idBySequence.put(buffer.getLong(offset + p), buffer.getLong(offset + p + 8));
                    p += 16;
                }
                s.clients.put(clientId, c);
            }
            if (p != length)
            {
                throw DurabilityException.decode("replica checkpoint: bytes after the last client", offset + p, p, length);
            }
            return s;
        }

        private void need(final int offset, final int end, final int length, final int at)
        {
            if (end > length || end < 0)
            {
                throw DurabilityException.decode("replica checkpoint is truncated", offset + at, end + " bytes",
                    length + " bytes");
            }
        }

        @Override
        public int id()
        {
            return 4;
        }
    };
}
