package io.durability.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The raw-bytes codec: a {@code byte[]} is its own encoding. Its {@link #id()} is {@code 0}: the
 * bytes are the application's own encoding, unknown to durability, so it reads and resumes a WAL
 * written by any codec.
 */
public final class BytesCodec implements Codec<byte[]>
{
    /** The shared instance (stateless). */
    public static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec()
    {
    }

    @Override
    public int encode(final byte[] value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        if (value.length > maxLength)
        {
            return DOES_NOT_FIT;
        }
        buffer.putBytes(offset, value);
        return value.length;
    }

    /** @return {@code 0}: raw bytes, any encoding. */
    @Override
    public int id()
    {
        return 0;
    }

    @Override
    public byte[] decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
