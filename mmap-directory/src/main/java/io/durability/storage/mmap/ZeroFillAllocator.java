package io.durability.storage.mmap;

import io.durability.internal.CrashPoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The portable way to allocate blocks from Java, which has no {@code fallocate}: write zeros
 * through the channel in 1 MiB chunks. Each write reserves its blocks in the filesystem, so a full
 * disk fails the write with an {@link IOException} here instead of a {@code SIGBUS} on a later
 * store through the mapping ({@code RandomAccessFile.setLength} would leave a sparse file, and
 * touching pages through the mapping, as Agrona's {@code IoUtil.mapNewFile} does, faults on a full
 * disk).
 *
 * <p>Thread-safe: the one zero buffer is only ever read, through a private view per call.
 */
final class ZeroFillAllocator implements SegmentAllocator
{
    static final ZeroFillAllocator INSTANCE = new ZeroFillAllocator();

    private static final int CHUNK = 1024 * 1024;

    private ZeroFillAllocator()
    {
    }

    @Override
    public void allocate(final FileChannel channel, final long length) throws IOException
    {
        final ByteBuffer zeros = Zeros.BUFFER.duplicate();
        long position = 0;
        while (position < length)
        {
            zeros.clear().limit((int)Math.min(CHUNK, length - position));
            while (zeros.hasRemaining())
            {
                position += channel.write(zeros, position);
            }
            if (position < length)
            {
                CrashPoints.hit(CrashPoints.PREALLOCATE_MID);
            }
        }
        final long size = channel.size();
        if (size != length)
        {
            throw new IOException("file is " + size + " bytes after allocating " + length);
        }
    }

    /** Holder: the direct buffer is allocated on first use, not when the class is loaded. */
    private static final class Zeros
    {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(CHUNK);
    }
}
