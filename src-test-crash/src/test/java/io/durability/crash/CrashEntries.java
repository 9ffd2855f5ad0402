package io.durability.crash;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * What the crash tests write: data entries whose bytes are a pure function of the entry id (so any
 * recovered entry can be checked byte for byte), and checkpoint markers; plus the checkpoint state
 * (a count and a hash of the data ids applied) with its codec.
 */
final class CrashEntries
{
    static final byte DATA = 'D';
    static final byte MARKER = 'C';

    private CrashEntries()
    {
    }

    static long mix(final long z0)
    {
        long z = z0 + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return the payload of data entry {@code id}: tag, then 15..194 bytes derived from id. */
    static byte[] payload(final long id)
    {
        final int n = 16 + (int)Long.remainderUnsigned(mix(id), 180);
        final byte[] b = new byte[n];
        b[0] = DATA;
        long x = id;
        for (int i = 1; i < n; i++)
        {
            if ((i & 7) == 1)
            {
                x = mix(x);
            }
            b[i] = (byte)(x >>> ((i & 7) * 8));
        }
        return b;
    }

    /** @return a marker entry naming {@code path} and covering {@code lastId}. */
    static byte[] marker(final String path, final long lastId)
    {
        final byte[] p = path.getBytes(StandardCharsets.UTF_8);
        final byte[] b = new byte[9 + p.length];
        b[0] = MARKER;
        for (int i = 0; i < 8; i++)
        {
            b[1 + i] = (byte)(lastId >>> (i * 8));
        }
        System.arraycopy(p, 0, b, 9, p.length);
        return b;
    }

    static boolean isMarker(final byte[] b)
    {
        return b.length >= 9 && b[0] == MARKER;
    }

    static String markerPath(final byte[] b)
    {
        return new String(b, 9, b.length - 9, StandardCharsets.UTF_8);
    }

    static long markerLastId(final byte[] b)
    {
        long v = 0;
        for (int i = 7; i >= 0; i--)
        {
            v = (v << 8) | (b[1 + i] & 0xFF);
        }
        return v;
    }

    /** The checkpointed state: how many data entries were applied, and a hash of their ids. */
    record State(long count, long hash)
    {
        static final State EMPTY = new State(0, 0);

        State apply(final long id, final byte[] entry)
        {
            return isMarker(entry) ? this : new State(count + 1, mix(hash ^ id));
        }
    }

    static final Codec<State> STATE_CODEC = new Codec<>()
    {
        @Override
        public int encode(final State value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            if (maxLength < 16)
            {
                return DOES_NOT_FIT;
            }
            buffer.putLong(offset, value.count());
            buffer.putLong(offset + 8, value.hash());
            return 16;
        }

        @Override
        public State decode(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length != 16)
            {
                throw DurabilityException.decode("state is 16 bytes", 0, 16, length);
            }
            return new State(buffer.getLong(offset), buffer.getLong(offset + 8));
        }
    };
}
