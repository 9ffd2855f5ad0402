package io.durability.replication.ratis;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.Arrays;

/**
 * What a replica knows besides its entries: the last Raft entry it applied, the last WAL id it
 * assigned, and, per client, the ids of the requests the client may still retry. It is the payload
 * of a replica's checkpoints and is rebuilt on restart from the newest checkpoint plus the WAL after
 * it, so it is durable whenever the WAL is. Every replica applies the same entries in the same
 * order, so every replica holds the same state at the same Raft index.
 *
 * <p>Not thread-safe: the state machine guards it. Applying an append allocates nothing in steady
 * state (primitive maps and arrays: a member applies every append of the group, and boxed keys were a
 * third of what a member allocated at 64 appends in flight).
 */
public final class ReplicaState
{
    /** The checkpoint payload's layout version. */
    static final int VERSION = 1;

    private long lastTerm;
    private long lastIndex;
    private long lastEntryId;
    /** client id -> its retryable requests; the checkpoint encodes them in ascending id order. */
    private final Long2ObjectHashMap<Client> clients = new Long2ObjectHashMap<>();

    /**
     * The requests one client may still retry: (sequence, id) pairs in ascending sequence order in
     * {@code [head, tail)} of two arrays. A replica records a client's sequences in ascending order
     * (an out-of-order request is refused before it is written), so a record appends at the tail and
     * forgetting what the client acknowledged moves the head; a checkpoint decoded out of order still
     * lands sorted (an insertion).
     */
    static final class Client
    {
        long ackedThrough;
        private long[] sequences = new long[8];
        private long[] ids = new long[8];
        private int head;
        private int tail;

        int size()
        {
            return tail - head;
        }

        /** @return the id recorded for {@code sequence}, or -1. */
        long idOf(final long sequence)
        {
            final int at = Arrays.binarySearch(sequences, head, tail, sequence);
            return at >= 0 ? ids[at] : -1;
        }

        /** @return the highest sequence recorded; only when {@link #size()} &gt; 0. */
        long lastSequence()
        {
            return sequences[tail - 1];
        }

        void put(final long sequence, final long id)
        {
            if (tail > head && sequence <= sequences[tail - 1])
            {
                final int found = Arrays.binarySearch(sequences, head, tail, sequence);
                if (found >= 0)
                {
                    ids[found] = id;
                    return;
                }
                makeRoom(); // may move the pairs: search again
                final int insert = -Arrays.binarySearch(sequences, head, tail, sequence) - 1;
                System.arraycopy(sequences, insert, sequences, insert + 1, tail - insert);
                System.arraycopy(ids, insert, ids, insert + 1, tail - insert);
                sequences[insert] = sequence;
                ids[insert] = id;
                tail++;
                return;
            }
            makeRoom();
            sequences[tail] = sequence;
            ids[tail] = id;
            tail++;
        }

        /** Forget every request at or below {@code acked}. */
        void forgetThrough(final long acked)
        {
            while (head < tail && sequences[head] <= acked)
            {
                head++;
            }
            if (head == tail)
            {
                head = 0;
                tail = 0;
            }
        }

        long sequenceAt(final int i)
        {
            return sequences[head + i];
        }

        long idAt(final int i)
        {
            return ids[head + i];
        }

        /** Make room for one more at the tail: slide the live pairs to the front, or grow. */
        private void makeRoom()
        {
            if (tail < sequences.length)
            {
                return;
            }
            final int size = size();
            if (head > 0 && size <= sequences.length / 2)
            {
                System.arraycopy(sequences, head, sequences, 0, size);
                System.arraycopy(ids, head, ids, 0, size);
            }
            else
            {
                final long[] s = new long[sequences.length * 2];
                final long[] i = new long[ids.length * 2];
                System.arraycopy(sequences, head, s, 0, size);
                System.arraycopy(ids, head, i, 0, size);
                sequences = s;
                ids = i;
            }
            head = 0;
            tail = size;
        }

        boolean sameAs(final Client other)
        {
            if (ackedThrough != other.ackedThrough || size() != other.size())
            {
                return false;
            }
            return Arrays.equals(sequences, head, tail, other.sequences, other.head, other.tail) &&
                Arrays.equals(ids, head, tail, other.ids, other.head, other.tail);
        }
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
        return c.idOf(sequence);
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
        return c.size() == 0 ? c.ackedThrough : Math.max(c.ackedThrough, c.lastSequence());
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
        Client c = clients.get(clientId);
        if (c == null)
        {
            c = new Client();
            clients.put(clientId, c);
        }
        c.put(sequence, entryId);
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
            c.forgetThrough(ackedThrough);
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
        for (final long clientId : sortedClientIds())
        {
            final Client theirs = other.clients.get(clientId);
            if (theirs == null || !clients.get(clientId).sameAs(theirs))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the client ids in ascending order (the checkpoint's order). */
    private long[] sortedClientIds()
    {
        final long[] ids = new long[clients.size()];
        int i = 0;
        for (final Long2ObjectHashMap<Client>.KeyIterator it = clients.keySet().iterator(); it.hasNext(); )
        {
            ids[i++] = it.nextLong();
        }
        Arrays.sort(ids);
        return ids;
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
            for (final long clientId : s.sortedClientIds())
            {
                final Client c = s.clients.get(clientId);
                buffer.putLong(p, clientId);
                buffer.putLong(p + 8, c.ackedThrough);
                buffer.putInt(p + 16, c.size());
                p += 20;
                for (int i = 0; i < c.size(); i++)
                {
                    buffer.putLong(p, c.sequenceAt(i));
                    buffer.putLong(p + 8, c.idAt(i));
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
                length += 20 + 16L * c.size();
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
                    c.put(buffer.getLong(offset + p), buffer.getLong(offset + p + 8));
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
