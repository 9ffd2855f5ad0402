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
 *  |                      Version (int32, 2)                       |  0
 *  +---------------------------------------------------------------+
 *  |       Entries after this one in its Raft entry (int32)        |  4
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
 * All fields little-endian (Agrona's default). One Raft entry carries a batch of appends
 * ({@code ReplicatedBatch}); each is written as its own WAL entry, and "entries after this one"
 * counts the batch's appends after it (0 on the last), so a replica that finds a WAL ending on a
 * non-zero count knows its last Raft entry was not applied whole and applies it again (a batch's
 * appends already written are recognized as duplicates, never written twice). Version 1 (this field
 * reserved, 0: one append per Raft entry) is read as a complete Raft entry. "Acknowledged through" is the highest sequence below
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
    /** The header version this build writes; it reads this one and version 1. */
    public static final int VERSION = 2;
    /** The oldest header version this build reads (its offset 4 is reserved, 0). */
    public static final int OLDEST_READABLE_VERSION = 1;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 0;
    /** Offset of the count of entries after this one in the same Raft entry (version 2; 0 in version 1). */
    public static final int AFTER_IN_BATCH_OFFSET = 4;
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
            writeHeader(buffer, offset, value.term, value.index, 0, value.clientId, value.sequence, value.ackedThrough);
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

    /** Write a header at {@code offset}; {@code afterInBatch} entries of the same Raft entry follow this one. */
    static void writeHeader(
        final MutableDirectBuffer buffer, final int offset, final long term, final long index, final int afterInBatch,
        final long clientId, final long sequence, final long ackedThrough)
    {
        buffer.putInt(offset + VERSION_OFFSET, VERSION);
        buffer.putInt(offset + AFTER_IN_BATCH_OFFSET, afterInBatch);
        buffer.putLong(offset + TERM_OFFSET, term);
        buffer.putLong(offset + INDEX_OFFSET, index);
        buffer.putLong(offset + CLIENT_OFFSET, clientId);
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence);
        buffer.putLong(offset + ACKED_OFFSET, ackedThrough);
    }

    /**
     * @throws DurabilityException DECODE when the bytes are shorter than a header, of a version this
     * build does not read, or count a negative number of entries after them.
     */
    static void check(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            throw DurabilityException.decode("a replicated entry is shorter than its header", offset,
                HEADER_LENGTH + "+ bytes", length + " bytes");
        }
        final int version = buffer.getInt(offset + VERSION_OFFSET);
        if (version < OLDEST_READABLE_VERSION || version > VERSION)
        {
            throw DurabilityException.decode("unknown replicated entry version", offset + VERSION_OFFSET,
                OLDEST_READABLE_VERSION + ".." + VERSION, version);
        }
        final int after = buffer.getInt(offset + AFTER_IN_BATCH_OFFSET);
        if (after < 0 || version == 1 && after != 0)
        {
            throw DurabilityException.decode("replicated entry: bad count of entries after it in its Raft entry",
                offset + AFTER_IN_BATCH_OFFSET, version == 1 ? "0 (version 1: reserved)" : ">= 0", after);
        }
    }

    /** @return how many entries of the same Raft entry follow the one whose bytes are at {@code offset} (0 for version 1). */
    static int afterInBatch(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + AFTER_IN_BATCH_OFFSET);
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
