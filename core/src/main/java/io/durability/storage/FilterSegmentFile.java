package io.durability.storage;

import org.agrona.concurrent.AtomicBuffer;

import java.nio.ByteBuffer;

/** A {@link SegmentFile} that forwards every call to another one; extend it to intercept some. */
public class FilterSegmentFile implements SegmentFile
{
    /** The segment calls are forwarded to. */
    protected final SegmentFile in;

    /** @param in the segment to forward to. */
    public FilterSegmentFile(final SegmentFile in)
    {
        this.in = in;
    }

    @Override
    public String path()
    {
        return in.path();
    }

    @Override
    public int capacity()
    {
        return in.capacity();
    }

    @Override
    public AtomicBuffer buffer()
    {
        return in.buffer();
    }

    @Override
    public ByteBuffer byteBuffer()
    {
        return in.byteBuffer();
    }

    @Override
    public void force(final int offset, final int length)
    {
        in.force(offset, length);
    }

    @Override
    public boolean supportsForce()
    {
        return in.supportsForce();
    }

    @Override
    public boolean isClosed()
    {
        return in.isClosed();
    }

    @Override
    public void close()
    {
        in.close();
    }
}
