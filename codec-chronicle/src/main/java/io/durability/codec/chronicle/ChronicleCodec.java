package io.durability.codec.chronicle;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.PointerBytesStore;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.BufferOverflowException;
import java.util.function.Supplier;

/**
 * A {@link Codec} for Chronicle Bytes {@link BytesMarshallable} types: a value's
 * {@code writeMarshallable} writes straight into the frame's memory (a {@link PointerBytesStore}
 * over the mapped address, no intermediate array), and {@code readMarshallable} reads straight out
 * of it. Use it as a WAL entry codec or as a checkpoint state codec.
 *
 * <p>Determinism (equal values, equal bytes) is the type's {@code writeMarshallable}'s job: write
 * fields in a fixed order and collections in a stable order.
 *
 * <p>This module is optional: core never loads Chronicle. Chronicle itself needs JVM flags on Java
 * 17 (see the README); they are needed only by applications that use this codec.
 *
 * <p>Not thread-safe: one instance per writer or reader thread (it reuses its Chronicle views).
 *
 * @param <T> the value type.
 */
public final class ChronicleCodec<T extends BytesMarshallable> implements Codec<T>
{
    private final Supplier<T> factory;
    private final PointerBytesStore writeStore = new PointerBytesStore();
    private final PointerBytesStore readStore = new PointerBytesStore();

    /**
     * @param factory makes an empty value for {@link #decode} to fill.
     */
    public ChronicleCodec(final Supplier<T> factory)
    {
        this.factory = factory;
    }

    @Override
    public int encode(final T value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        if (maxLength <= 0)
        {
            return maxLength == 0 ? encodeIntoNothing(value) : DOES_NOT_FIT;
        }
        final byte[] array = buffer.byteArray();
        try
        {
            if (array == null)
            {
                writeStore.set(buffer.addressOffset() + offset, maxLength);
                final Bytes<?> bytes = writeStore.bytesForWrite();
                bytes.writeLimit(maxLength);
                value.writeMarshallable(bytes);
                return (int)bytes.writePosition();
            }
            final int base = buffer.wrapAdjustment() + offset;
            final Bytes<byte[]> bytes = Bytes.wrapForWrite(array);
            bytes.writePosition(base);
            bytes.writeLimit(base + maxLength);
            value.writeMarshallable(bytes);
            return (int)(bytes.writePosition() - base);
        }
        catch (final BufferOverflowException | IllegalArgumentException ex)
        {
            return DOES_NOT_FIT;
        }
        catch (final RuntimeException ex)
        {
            throw new DurabilityException(DurabilityException.Kind.ENCODE,
                "writeMarshallable failed for " + value.getClass().getName() + ": " + ex, null, -1, null, null, ex);
        }
    }

    private int encodeIntoNothing(final T value)
    {
        final Bytes<byte[]> probe = Bytes.wrapForWrite(new byte[0]);
        try
        {
            value.writeMarshallable(probe);
            return probe.writePosition() == 0 ? 0 : DOES_NOT_FIT;
        }
        catch (final RuntimeException ex)
        {
            return DOES_NOT_FIT;
        }
    }

    @Override
    public T decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final T value = factory.get();
        final byte[] array = buffer.byteArray();
        try
        {
            final Bytes<?> bytes;
            if (array == null)
            {
                if (length == 0)
                {
                    bytes = Bytes.wrapForRead(new byte[0]);
                }
                else
                {
                    readStore.set(buffer.addressOffset() + offset, length);
                    bytes = readStore.bytesForRead();
                }
            }
            else
            {
                final int base = buffer.wrapAdjustment() + offset;
                final Bytes<byte[]> b = Bytes.wrapForRead(array);
                b.readLimit(base + length);
                b.readPosition(base);
                bytes = b;
            }
            value.readMarshallable(bytes);
            if (bytes.readRemaining() != 0)
            {
                throw DurabilityException.decode(
                    "readMarshallable left bytes unread", bytes.readPosition(), "end of payload",
                    bytes.readRemaining() + " more bytes");
            }
            return value;
        }
        catch (final DurabilityException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw new DurabilityException(DurabilityException.Kind.DECODE,
                "readMarshallable failed for " + value.getClass().getName() + ": " + ex, null, -1, null, null, ex);
        }
    }
}
