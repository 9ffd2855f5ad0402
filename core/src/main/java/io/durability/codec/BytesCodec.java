package io.durability.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** The raw-bytes codec: a {@code byte[]} is its own encoding. */
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

    @Override
    public byte[] decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }
}
