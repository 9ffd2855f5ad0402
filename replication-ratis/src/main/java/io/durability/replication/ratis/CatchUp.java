package io.durability.replication.ratis;

import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalTailer;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import java.nio.ByteOrder;

/**
 * How a member behind the leader's Raft log catches up: it asks a peer for the WAL entries after its
 * own last one, a chunk at a time, and appends them to its WAL as they are (each carries its Raft term
 * and index, its writer and sequence), instead of being sent a copy of every file. A member that was
 * away for a minute fetches a minute of entries; nothing it already has is sent again, and nothing
 * of its folder is ever replaced.
 *
 * <p>The request and the reply travel as Ratis read-only (stale read) queries, on the members' own
 * port. Layout, all little-endian:
 * <pre>
 *   request: magic "CATCHUP1" (int64) | first entry id wanted (int64) | most payload bytes (int32)
 *   reply:   magic "CATCHUP1" (int64) | peer's last entry id (int64) | its last applied term (int64)
 *            | its last applied index (int64) | entry count (int32)
 *            | count x ( entry id (int64) | length (int32) | the entry: ReplicatedEntry header + payload )
 * </pre>
 * The reply's (last entry id, term, index) were read together under the peer's state-machine lock:
 * a WAL holding exactly the entries through that id is the state of a member that applied every Raft
 * entry through that index. Its entries are consecutive from the requested id (fewer when the chunk is
 * full, none when the peer has nothing after it).
 */
final class CatchUp
{
    /** "CATCHUP1" read as a little-endian int64. */
    static final long MAGIC = 0x3150554843544143L;
    static final int REQUEST_LENGTH = 8 + 8 + 4;
    static final int REPLY_HEADER_LENGTH = 8 + 8 + 8 + 8 + 4;
    /** Entry bytes per reply (at least one entry is sent, whatever its size): well under gRPC's message limit. */
    static final int CHUNK_BYTES = 4 << 20;

    private CatchUp()
    {
    }

    /** @return the query asking for the entries from {@code fromId} on, at most about {@code maxBytes} of them. */
    static Message request(final long fromId, final int maxBytes)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[REQUEST_LENGTH]);
        b.putLong(0, MAGIC);
        b.putLong(8, fromId);
        b.putInt(16, maxBytes);
        return Message.valueOf(ByteString.copyFrom(b.byteArray()));
    }

    /** @return whether {@code content} is a catch-up request. */
    static boolean isRequest(final ByteString content)
    {
        return content.size() == REQUEST_LENGTH && littleEndian(content).getLong(0) == MAGIC;
    }

    /** @return the first entry id a request asks for. */
    static long requestedFrom(final ByteString request)
    {
        return littleEndian(request).getLong(8);
    }

    /** @return the payload bytes a request accepts. */
    static int requestedBytes(final ByteString request)
    {
        return littleEndian(request).getInt(16);
    }

    private static java.nio.ByteBuffer littleEndian(final ByteString content)
    {
        return content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Serve a request from a member's WAL: its entries from {@code fromId} through {@code lastEntryId}
     * (the member's state when the request came), stopping once {@code maxBytes} are in the reply.
     *
     * @param directory a directory over the member's folder (not the writer's: entries are read as a tailer reads them).
     */
    static ByteString serve(
        final Directory directory, final WalOptions walOptions, final long fromId, final int maxBytes,
        final long lastEntryId, final long lastTerm, final long lastIndex)
    {
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(REPLY_HEADER_LENGTH + 4096);
        out.putLong(0, MAGIC);
        out.putLong(8, lastEntryId);
        out.putLong(16, lastTerm);
        out.putLong(24, lastIndex);
        final int[] count = {0};
        final int[] position = {REPLY_HEADER_LENGTH};
        if (fromId >= 1 && fromId <= lastEntryId)
        {
            try (WalTailer<ReplicatedEntry> tailer = WalTailer.open(directory, ReplicatedEntry.CODEC, walOptions,
                ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, fromId))
            {
                final boolean[] done = {false};
                while (!done[0] && (count[0] == 0 || position[0] - REPLY_HEADER_LENGTH < maxBytes))
                {
                    final int delivered = tailer.pollFrames((id, buffer, offset, length) ->
                    {
                        if (id > lastEntryId)
                        {
                            done[0] = true;
                            return;
                        }
                        out.putLong(position[0], id);
                        out.putInt(position[0] + 8, length);
                        out.putBytes(position[0] + 12, buffer, offset, length);
                        position[0] += 12 + length;
                        count[0]++;
                        done[0] = id == lastEntryId;
                    }, 1);
                    if (delivered == 0)
                    {
                        // Applied entries are visible: a peer whose WAL shows fewer than its state counts is damaged.
                        throw DurabilityException.invalidState("a catch-up read found no entry " + (fromId + count[0]) +
                            " although the member's state counts " + lastEntryId + " entries", walOptions.walDir());
                    }
                }
            }
        }
        out.putInt(32, count[0]);
        return ByteString.copyFrom(out.byteArray(), 0, position[0]);
    }

    /**
     * A checked view of a reply.
     *
     * @param lastEntryId the peer's last entry id when it answered.
     * @param lastTerm    the term of the peer's last applied Raft entry then.
     * @param lastIndex   the peer's last applied Raft index then.
     * @param count       entries in the reply.
     * @param buffer      the reply's bytes.
     */
    record Reply(long lastEntryId, long lastTerm, long lastIndex, int count, DirectBuffer buffer)
    {
        /** Receives each entry of a reply, in order. */
        interface EntryHandler
        {
            void onEntry(long id, DirectBuffer buffer, int offset, int length);
        }

        /**
         * Parse and check a reply from {@code peer}: magic, header, and that every entry lies inside it,
         * with consecutive ids from {@code fromId}, each a readable {@link ReplicatedEntry}.
         *
         * @throws DurabilityException FORMAT (or DECODE for an entry header) naming the peer, the offset,
         *                             what was expected and what was found.
         */
        static Reply parse(final String peer, final ByteString content, final long fromId)
        {
            final UnsafeBuffer b = new UnsafeBuffer(content.toByteArray());
            final String source = "catch-up reply from " + peer;
            if (b.capacity() < REPLY_HEADER_LENGTH)
            {
                throw DurabilityException.format("a catch-up reply is shorter than its header", source, 0,
                    REPLY_HEADER_LENGTH + "+ bytes", b.capacity() + " bytes");
            }
            if (b.getLong(0) != MAGIC)
            {
                throw DurabilityException.format("not a catch-up reply", source, 0,
                    DurabilityException.magic(MAGIC), DurabilityException.magic(b.getLong(0)));
            }
            final Reply reply = new Reply(b.getLong(8), b.getLong(16), b.getLong(24), b.getInt(32), b);
            if (reply.count < 0 || reply.lastEntryId < 0 || reply.lastIndex < 0)
            {
                throw DurabilityException.format("a catch-up reply with a negative count, last id or index", source, 8,
                    ">= 0", reply.count + " entries, last id " + reply.lastEntryId + ", index " + reply.lastIndex);
            }
            int p = REPLY_HEADER_LENGTH;
            for (int i = 0; i < reply.count; i++)
            {
                if (p + 12 > b.capacity())
                {
                    throw DurabilityException.format("a catch-up reply ends inside an entry's id and length", source, p,
                        "12 bytes", (b.capacity() - p) + " bytes");
                }
                final long id = b.getLong(p);
                final int length = b.getInt(p + 8);
                if (id != fromId + i || id > reply.lastEntryId)
                {
                    throw DurabilityException.format("a catch-up reply's entries are not consecutive from the one asked for",
                        source, p, "entry " + (fromId + i) + " (<= " + reply.lastEntryId + ")", "entry " + id);
                }
                if (length < 0 || length > b.capacity() - p - 12)
                {
                    throw DurabilityException.format("a catch-up reply's entry runs past its end", source, p + 8,
                        "<= " + (b.capacity() - p - 12) + " bytes", length);
                }
                ReplicatedEntry.check(b, p + 12, length);
                p += 12 + length;
            }
            if (p != b.capacity())
            {
                throw DurabilityException.format("a catch-up reply has bytes after its last entry", source, p,
                    p + " bytes", b.capacity() + " bytes");
            }
            return reply;
        }

        /** Hand each entry (checked by {@link #parse}) to {@code handler}, in order. */
        void forEach(final EntryHandler handler)
        {
            int p = REPLY_HEADER_LENGTH;
            for (int i = 0; i < count; i++)
            {
                final int length = buffer.getInt(p + 8);
                handler.onEntry(buffer.getLong(p), buffer, p + 12, length);
                p += 12 + length;
            }
        }
    }
}
