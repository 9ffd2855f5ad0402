package io.durability.bench;

import io.durability.walog.WalLayout;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/** Payloads and folder conventions shared by the benchmarks. */
final class BenchPayloads
{
    /** Frame header bytes of every framed peer ({@code WalLayout.FRAME_HEADER_LENGTH}). */
    static final int FRAME_HEADER = 24;

    private BenchPayloads()
    {
    }

    /** A direct buffer of {@code length} bytes with a fixed, non-zero pattern. */
    static UnsafeBuffer direct(final int length)
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        for (int i = 0; i < length; i++)
        {
            payload.putByte(i, (byte)(i * 31 + 7));
        }
        return payload;
    }

    /** {@code value} rounded up to a multiple of 8. */
    static int align8(final int value)
    {
        return (value + 7) & ~7;
    }
}
