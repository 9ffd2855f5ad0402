package io.durability.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The codec for payloads already laid out in an Agrona buffer: the value is the whole
 * {@link DirectBuffer} ({@code [0, capacity)}); encoding is one {@code putBytes} into the frame, with
 * no allocation, so a reusable flyweight can be appended from a hot loop. Decoding copies the
 * payload into a new buffer; for zero-allocation reads use
 * {@link io.durability.walog.WalReader#replayFrames}.
 */
public final class DirectBufferCodec implements Codec<DirectBuffer>
{
    /** The shared instance (stateless). */
    public static final DirectBufferCodec INSTANCE = new DirectBufferCodec();

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
