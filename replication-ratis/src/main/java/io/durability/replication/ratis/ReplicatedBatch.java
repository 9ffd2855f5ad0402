package io.durability.replication.ratis;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The layout of one Raft entry that carries a batch of a writer's appends, and of the reply to it
 * (little-endian). A writer packs the appends that queue while its earlier requests are in flight
 * into one such entry; a member applies it as one step, writing each append as its own WAL entry.
 *
 * <pre>
 * request: magic:i32 (0x48435442), count:i32 (&gt;= 1), writerId:i64, ackedThrough:i64,
 *          then count x (sequence:i64, length:i32, payload: length bytes); nothing after the last.
 * reply:   count:i32, then count x (entryId:i64, outcome:i8)   (outcomes: {@link WalStateMachine.Reply})
 * </pre>
 *
 * A request whose first int32 is an entry version (1 or 2) is a single append in the
 * {@link ReplicatedEntry} layout (term and index 0), as writers of version 0.1 sent; its reply is
 * one (entryId:i64, outcome:i8).
 */
final class ReplicatedBatch
{
    /** First int32 of a batch request: no {@link ReplicatedEntry} version is this large. */
    static final int MAGIC = 0x48435442;
    static final int HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 12;
    static final int REPLY_RECORD_LENGTH = 9;

    private ReplicatedBatch()
    {
    }

    /** @return the bytes of a batch request of the first {@code count} payloads. */
    static byte[] encode(
        final long writerId, final long ackedThrough, final long[] sequences, final byte[][] payloads, final int count)
    {
        int length = HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            length += RECORD_HEADER_LENGTH + payloads[i].length;
        }
        final byte[] bytes = new byte[length];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        b.putInt(0, MAGIC);
        b.putInt(4, count);
        b.putLong(8, writerId);
        b.putLong(16, ackedThrough);
        int p = HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            b.putLong(p, sequences[i]);
            b.putInt(p + 8, payloads[i].length);
            b.putBytes(p + RECORD_HEADER_LENGTH, payloads[i]);
            p += RECORD_HEADER_LENGTH + payloads[i].length;
        }
        return bytes;
    }

    /** @return whether {@code length} bytes starting with {@code firstInt} are a batch request (valid or not). */
    static boolean isBatch(final int length, final int firstInt)
    {
        return length >= 4 && firstInt == MAGIC;
    }

    /**
     * @return null when the {@code length} bytes of {@code in} are a well-formed batch request, else
     * what is wrong (offset, expected, found).
     */
    static String problem(final DirectBuffer in, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return "a batch request of " + length + " bytes is shorter than its " + HEADER_LENGTH + "-byte header";
        }
        final int count = in.getInt(4);
        if (count < 1)
        {
            return "a batch request at offset 4: expected a count >= 1, found " + count;
        }
        long p = HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            if (p + RECORD_HEADER_LENGTH > length)
            {
                return "a batch request is truncated in append " + i + " of " + count + " at offset " + p +
                    ": expected " + RECORD_HEADER_LENGTH + " more bytes, found " + (length - p);
            }
            final int payload = in.getInt((int)p + 8);
            if (payload < 0 || p + RECORD_HEADER_LENGTH + payload > length)
            {
                return "a batch request at offset " + (p + 8) + ": expected a payload length of 0.." +
                    (length - p - RECORD_HEADER_LENGTH) + ", found " + payload;
            }
            p += RECORD_HEADER_LENGTH + payload;
        }
        if (p != length)
        {
            return "a batch request of " + count + " appends ends at offset " + p + ", found " + (length - p) +
                " bytes after it";
        }
        return null;
    }

    static int count(final DirectBuffer in)
    {
        return in.getInt(4);
    }

    static long writerId(final DirectBuffer in)
    {
        return in.getLong(8);
    }

    static long ackedThrough(final DirectBuffer in)
    {
        return in.getLong(16);
    }

    /** @return the offset of the record after the one at {@code offset} (the first is at {@link #HEADER_LENGTH}). */
    static int next(final DirectBuffer in, final int offset)
    {
        return offset + RECORD_HEADER_LENGTH + in.getInt(offset + 8);
    }

    static long sequence(final DirectBuffer in, final int offset)
    {
        return in.getLong(offset);
    }

    static int payloadLength(final DirectBuffer in, final int offset)
    {
        return in.getInt(offset + 8);
    }

    static int payloadOffset(final int offset)
    {
        return offset + RECORD_HEADER_LENGTH;
    }

    /** @return a reply buffer for {@code count} outcomes. */
    static UnsafeBuffer newReply(final int count)
    {
        final UnsafeBuffer reply = new UnsafeBuffer(new byte[4 + count * REPLY_RECORD_LENGTH]);
        reply.putInt(0, count);
        return reply;
    }

    static void putOutcome(final MutableDirectBuffer reply, final int i, final long entryId, final byte outcome)
    {
        reply.putLong(4 + i * REPLY_RECORD_LENGTH, entryId);
        reply.putByte(4 + i * REPLY_RECORD_LENGTH + 8, outcome);
    }

    /** @return the count of outcomes in a reply, or -1 when {@code length} bytes cannot be a reply of that many. */
    static int replyCount(final DirectBuffer reply, final int length)
    {
        if (length < 4)
        {
            return -1;
        }
        final int count = reply.getInt(0);
        return count >= 0 && 4L + (long)count * REPLY_RECORD_LENGTH == length ? count : -1;
    }

    static long replyId(final DirectBuffer reply, final int i)
    {
        return reply.getLong(4 + i * REPLY_RECORD_LENGTH);
    }

    static byte replyOutcome(final DirectBuffer reply, final int i)
    {
        return reply.getByte(4 + i * REPLY_RECORD_LENGTH + 8);
    }
}
