package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One replicated entry as a replica's WAL stores it: the Raft coordinates and the request identity
 * in front of the user's payload. The record is what {@link #CODEC} decodes; the static methods are
 * the layout, used in place by the state machine (no other class does offset arithmetic on it).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Version (int32, 1)                       |  0
 *  +---------------------------------------------------------------+
 *  |                      Reserved (int32, 0)                      |  4
 *  +---------------------------------------------------------------+
 *  |                      Raft term (int64)                        |  8
 *  +---------------------------------------------------------------+
 *  |                      Raft index (int64)                       | 16
 *  +---------------------------------------------------------------+
 *  |                      Client id (int64)                        | 24
 *  +---------------------------------------------------------------+
 *  |                      Request sequence (int64, from 1)         | 32
 *  +---------------------------------------------------------------+
 *  |             Acknowledged through (int64, client's)            | 40
 *  +---------------------------------------------------------------+
 *  |                      User payload ...                        ... 48
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * All fields little-endian (Agrona's default). "Acknowledged through" is the highest sequence below
 * which the client has every reply: the replicas may forget those sequences' ids (see
 * {@link ReplicaState}). The Raft entry a client sends carries the same layout with term and index
 * zero: the state machine fills them in from the Raft log entry when it writes the WAL frame.
 *
 * @param term          the Raft term of the entry.
 * @param index         the Raft log index of the entry.
 * @param clientId      the writer facade that sent it.
 * @param sequence      the facade's sequence number for it (1, 2, ...).
 * @param ackedThrough  every sequence up to this one had its reply when this one was sent.
 * @param payload       the user's bytes.
 */
public record ReplicatedEntry(long term, long index, long clientId, long sequence, long ackedThrough, byte[] payload)
{
    /** The header version this build writes and reads. */
    public static final int VERSION = 1;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 0;
    /** Offset of the Raft term. */
    public static final int TERM_OFFSET = 8;
    /** Offset of the Raft index. */
    public static final int INDEX_OFFSET = 16;
    /** Offset of the client id. */
    public static final int CLIENT_OFFSET = 24;
    /** Offset of the request sequence. */
    public static final int SEQUENCE_OFFSET = 32;
    /** Offset of the acknowledged-through sequence. */
    public static final int ACKED_OFFSET = 40;
    /** Length of the header; the payload starts here. */
    public static final int HEADER_LENGTH = 48;
    /** The codec id recorded in the header of every WAL segment a replica creates (reserved for durability's codecs, docs/FORMAT.md). */
    public static final int CODEC_ID = 3;

    /**
     * Decodes whole entries (header and payload, a copy) from a replica's WAL. Encoding is the state
     * machine's job: {@code encode} writes an entry as it is, for tools and tests.
     */
    public static final io.durability.codec.Codec<ReplicatedEntry> CODEC = new io.durability.codec.Codec<>()
    {
        @Override
        public int encode(final ReplicatedEntry value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            final int length = HEADER_LENGTH + value.payload.length;
            if (length > maxLength)
            {
                return DOES_NOT_FIT;
            }
            writeHeader(buffer, offset, value.term, value.index, value.clientId, value.sequence, value.ackedThrough);
            buffer.putBytes(offset + HEADER_LENGTH, value.payload);
            return length;
        }

        @Override
        public ReplicatedEntry decode(final DirectBuffer buffer, final int offset, final int length)
        {
            check(buffer, offset, length);
            final byte[] payload = new byte[length - HEADER_LENGTH];
            buffer.getBytes(offset + HEADER_LENGTH, payload);
            return new ReplicatedEntry(buffer.getLong(offset + TERM_OFFSET), buffer.getLong(offset + INDEX_OFFSET),
                buffer.getLong(offset + CLIENT_OFFSET), buffer.getLong(offset + SEQUENCE_OFFSET),
                buffer.getLong(offset + ACKED_OFFSET), payload);
        }

        @Override
        public int id()
        {
            return CODEC_ID;
        }
    };

    /**
     * Decodes only the user's payload of each entry: a replica's WAL read as the plain log of what
     * was appended ({@code new WalReader<>(dir, ReplicatedEntry.PAYLOADS).replay()}).
     */
    public static final io.durability.codec.Codec<byte[]> PAYLOADS = new io.durability.codec.Codec<>()
    {
        @Override
        public int encode(final byte[] value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            throw DurabilityException.encode(
                "a replica's WAL is written by its state machine only: append through ReplicatedWal", "ReplicatedWal.append",
                "ReplicatedEntry.PAYLOADS.encode");
        }

        @Override
        public byte[] decode(final DirectBuffer buffer, final int offset, final int length)
        {
            check(buffer, offset, length);
            final byte[] payload = new byte[length - HEADER_LENGTH];
            buffer.getBytes(offset + HEADER_LENGTH, payload);
            return payload;
        }

        @Override
        public int id()
        {
            return CODEC_ID;
        }
    };

    /** Write a header at {@code offset}. */
    static void writeHeader(
        final MutableDirectBuffer buffer, final int offset, final long term, final long index, final long clientId,
        final long sequence, final long ackedThrough)
    {
        buffer.putInt(offset + VERSION_OFFSET, VERSION);
        buffer.putInt(offset + VERSION_OFFSET + 4, 0);
        buffer.putLong(offset + TERM_OFFSET, term);
        buffer.putLong(offset + INDEX_OFFSET, index);
        buffer.putLong(offset + CLIENT_OFFSET, clientId);
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence);
        buffer.putLong(offset + ACKED_OFFSET, ackedThrough);
    }

    /**
     * @throws DurabilityException DECODE when the bytes are shorter than a header or of another version.
     */
    static void check(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            throw DurabilityException.decode("a replicated entry is shorter than its header", offset,
                HEADER_LENGTH + "+ bytes", length + " bytes");
        }
        final int version = buffer.getInt(offset + VERSION_OFFSET);
        if (version != VERSION)
        {
            throw DurabilityException.decode("unknown replicated entry version", offset + VERSION_OFFSET, VERSION, version);
        }
    }

    /** @return the Raft index of the entry whose bytes are at {@code offset}. */
    static long index(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + INDEX_OFFSET);
    }

    /** @return the Raft term of the entry whose bytes are at {@code offset}. */
    static long term(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + TERM_OFFSET);
    }

    /** @return the client id of the entry whose bytes are at {@code offset}. */
    static long clientId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + CLIENT_OFFSET);
    }

    /** @return the request sequence of the entry whose bytes are at {@code offset}. */
    static long sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }

    /** @return the acknowledged-through sequence of the entry whose bytes are at {@code offset}. */
    static long ackedThrough(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + ACKED_OFFSET);
    }
}
