package io.durability.codec.chronicle;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesStore;
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
    /**
     * The {@link Codec#id() id} a {@code ChronicleCodec} records in the segment headers it writes
     * unless it was given another: {@code 2} (ids 1..65535 are reserved for the codecs shipped with
     * durability; docs/FORMAT.md). It names "Chronicle {@code BytesMarshallable}", not the value type:
     * an application that keeps WALs of several types, or changes a type's layout, gives each
     * encoding its own id with {@link #ChronicleCodec(Supplier, int)}.
     */
    public static final int ID = 2;

    private final Supplier<T> factory;
    private final int id;
    private final PointerBytesStore writeStore = new PointerBytesStore();
    private final PointerBytesStore readStore = new PointerBytesStore();

    /**
     * A codec of id {@link #ID}.
     *
     * @param factory makes an empty value for {@link #decode} to fill.
     */
    public ChronicleCodec(final Supplier<T> factory)
    {
        this(factory, ID);
    }

    /**
     * @param factory makes an empty value for {@link #decode} to fill.
     * @param id      the {@link Codec#id() id} of this type's encoding: outside 1..65535 (reserved for
     *                durability's codecs) unless it is {@link #ID}; {@code 0} records none.
     */
    public ChronicleCodec(final Supplier<T> factory, final int id)
    {
        this.factory = factory;
        this.id = id;
    }

    /** @return the id given at construction ({@link #ID} by default). */
    @Override
    public int id()
    {
        return id;
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
            throw DurabilityException.codecFailed(DurabilityException.Kind.ENCODE,
                "writeMarshallable failed for " + value.getClass().getName(), null, -1, null, ex);
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
            // BoundedBytes: a length read from the data that reaches past the payload is refused before
            // Chronicle copies anything (Chronicle 2026.4 would read outside the payload: see BoundedBytes).
            final Bytes<?> bytes;
            if (array == null)
            {
                if (length == 0)
                {
                    bytes = bounded(BytesStore.wrap(new byte[0]), 0, 0);
                }
                else
                {
                    readStore.set(buffer.addressOffset() + offset, length);
                    bytes = bounded(readStore, 0, length);
                }
            }
            else
            {
                final int base = buffer.wrapAdjustment() + offset;
                bytes = bounded(BytesStore.wrap(array), base, length);
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
            throw DurabilityException.codecFailed(DurabilityException.Kind.DECODE,
                "readMarshallable failed for " + value.getClass().getName(), null, -1, null, ex);
        }
    }

    /** Chronicle bytes over {@code store} for reading {@code [start, start + length)}, bounded (see {@code BoundedBytes}). */
    private static Bytes<?> bounded(final BytesStore<?, ?> store, final int start, final int length)
    {
        final BoundedBytes<?> b = new BoundedBytes<>(store);
        b.writeLimit(store.realCapacity());
        b.readLimit(start + length);
        b.readPosition(start);
        return b;
    }
}
