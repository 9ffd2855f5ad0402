package io.durability.storage;

import org.agrona.concurrent.AtomicBuffer;

import java.nio.ByteBuffer;

/**
 * An open segment file: a fixed-capacity region of bytes written in place through an Agrona
 * {@link AtomicBuffer} flyweight.
 *
 * <p>A store through {@link #buffer()} is visible to other readers of the same file as soon as it
 * is performed (ordered stores such as {@code putIntRelease} make the order of visibility
 * well-defined). It is durable only after {@link #force} covering it returns.
 *
 * <p>Not thread-safe for writing; any number of threads may read.
 */
public interface SegmentFile extends AutoCloseable
{
    /** @return the path of this file relative to the directory root. */
    String path();

    /** @return the number of addressable bytes: {@code buffer().capacity()}. */
    int capacity();

    /** @return the flyweight over the whole file; valid until {@link #close()}. */
    AtomicBuffer buffer();

    /**
     * @return a direct {@link ByteBuffer} over the same memory as {@link #buffer()}, for APIs that
     * take one (the JDK's {@code CRC32C}); callers use {@code duplicate()} or restore position and
     * limit.
     */
    ByteBuffer byteBuffer();

    /**
     * Durability barrier: bytes in {@code [offset, offset + length)} that were stored before the
     * call survive power loss once it returns. May cover more than asked (whole pages, the whole
     * file). A failure leaves the durability of those bytes unknown: treat it as fatal.
     *
     * @throws DurabilityException NOT_SUPPORTED (no stable storage), IO, INVALID_STATE (closed).
     */
    void force(int offset, int length);

    /** @return whether {@link #force} is supported. */
    boolean supportsForce();

    /** @return whether {@link #close()} has been called. */
    boolean isClosed();

    /**
     * Release the mapping or memory view. Idempotent. The buffer must not be used afterwards.
     */
    /**
     * A hint from the writer of this segment: its committed data now ends at {@code tail}. A directory
     * may prepare the pages ahead of it (see {@code MmapOptions.withPageWarmer}); it never changes a
     * byte. Called by the appending thread every few KiB of progress, so it must cost next to
     * nothing. Default: nothing.
     *
     * @param tail the offset of the next frame slot.
     */
    default void written(final int tail)
    {
    }

    @Override
    void close();
}
