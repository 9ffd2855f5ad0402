package io.durability.bench;

import io.durability.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A codec whose value is a whole {@link DirectBuffer}: encoding is one {@code putBytes}, no allocation. */
final class DirectBufferCodec implements Codec<DirectBuffer>
{
    static final DirectBufferCodec INSTANCE = new DirectBufferCodec();

    private DirectBufferCodec()
    {
    }

    @Override
    public int encode(final DirectBuffer value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        final int length = value.capacity();
        if (length > maxLength)
        {
            return DOES_NOT_FIT;
        }
        buffer.putBytes(offset, value, 0, length);
        return length;
    }

    @Override
    public DirectBuffer decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        return new UnsafeBuffer(copy);
    }
}
