package io.durability.codec.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.VanillaBytes;
import net.openhft.chronicle.core.util.ThrowingConsumer;
import net.openhft.chronicle.core.io.IORuntimeException;

import java.nio.BufferUnderflowException;

/**
 * The Chronicle {@code Bytes} a {@link ChronicleCodec} decodes from: ordinary checked Chronicle bytes,
 * except that every read whose length comes from the data (a stop-bit length before an 8-bit or UTF-8
 * string, a length given to a bulk read) is refused with {@link BufferUnderflowException} when it
 * reaches past the payload, before Chronicle copies anything.
 *
 * <p>Why: Chronicle Bytes 2026.4 copies a string's declared length out of the store without checking
 * it against what is left ({@code StreamingDataInput.read8bit(Bytes)} &rarr; {@code write(BytesStore,
 * long, long)} &rarr; an unchecked memory copy), so a damaged length of 2^25 or more read the JVM out of
 * its memory (SIGSEGV, on heap and direct stores alike). A decoder of bytes from disk must never
 * read outside them.
 */
final class BoundedBytes<U> extends VanillaBytes<U>
{
    BoundedBytes(final BytesStore<?, ?> store)
    {
        super(store);
    }

    /** @throws BufferUnderflowException when the stop-bit length at the read position reaches past the data. */
    private void checkStopBitLength()
    {
        if (readRemaining() <= 0)
        {
            return;
        }
        final long start = readPosition();
        final long length;
        try
        {
            length = readStopBit();
        }
        finally
        {
            readPosition(start);
        }
        if (length != -1 && (length < 0 || length > readRemaining()))
        {
            throw new BufferUnderflowException();
        }
    }

    private void checkLength(final long length)
    {
        if (length < 0 || length > readRemaining())
        {
            throw new BufferUnderflowException();
        }
    }

    @Override
    public boolean read8bit(final Bytes<?> b)
    {
        checkStopBitLength();
        return super.read8bit(b);
    }

    @Override
    public boolean read8bit(final StringBuilder sb)
    {
        checkStopBitLength();
        return super.read8bit(sb);
    }

    @Override
    public <C extends Appendable & CharSequence> boolean readUtf8(final C sb)
    {
        checkStopBitLength();
        return super.readUtf8(sb);
    }

    @Override
    public boolean readUtf8(final Bytes<?> sb)
    {
        checkStopBitLength();
        return super.readUtf8(sb);
    }

    @Override
    public boolean readUtf8(final StringBuilder sb)
    {
        checkStopBitLength();
        return super.readUtf8(sb);
    }

    @Override
    public void parseUtf8(final Appendable sb, final boolean utf, final int length)
    {
        checkLength(length);
        super.parseUtf8(sb, utf, length);
    }

    @Override
    public void read8Bit(final char[] chars, final int length)
    {
        checkLength(length);
        super.read8Bit(chars, length);
    }

    @Override
    public void readWithLength(final long length, final ThrowingConsumer<Bytes<U>, IORuntimeException> bytesConsumer)
    {
        checkLength(length);
        super.readWithLength(length, bytesConsumer);
    }

    @Override
    public void unsafeReadObject(final Object o, final int offset, final int length)
    {
        checkLength(length);
        super.unsafeReadObject(o, offset, length);
    }

    @Override
    public Bytes<U> unsafeRead(final long address, final int length)
    {
        checkLength(length);
        return super.unsafeRead(address, length);
    }
}
