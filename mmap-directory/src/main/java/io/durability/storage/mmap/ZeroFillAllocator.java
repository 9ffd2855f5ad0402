package io.durability.storage.mmap;

import io.durability.testhook.CrashPoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The portable way to allocate blocks from Java, which has no {@code fallocate}: write zeros
 * through the channel in 64 KiB chunks. Each write reserves its blocks in the filesystem, so a full
 * disk fails the write with an {@link IOException} here instead of a {@code SIGBUS} on a later
 * store through the mapping ({@code RandomAccessFile.setLength} would leave a sparse file, and
 * touching pages through the mapping, as Agrona's {@code IoUtil.mapNewFile} does, faults on a full
 * disk).
 *
 * <p>Why 64 KiB: on kernels whose page cache uses large folios for the filesystem (ext4 since Linux
 * 6.x), the size of each write sets the size of the folios it creates, and a folio is the unit that
 * a store through the mapping dirties and that a barrier writes back. With 1 MiB writes every
 * {@code fdatasync} after a small append wrote a whole 1 MiB folio: 0.83-0.95 ms per 256-byte append
 * plus barrier on the benchmark VM (Linux 6.18, ext4), against 0.44 ms with 64 KiB writes; first
 * stores into the fresh pages cost the same (120-140 ns per 88-byte append either way), while 4 and 16
 * KiB writes made them slower (160-310 ns) and preparing the file slower too.
 *
 * <p>Thread-safe: the one zero buffer is only ever read, through a private view per call.
 */
final class ZeroFillAllocator implements SegmentAllocator
{
    static final ZeroFillAllocator INSTANCE = new ZeroFillAllocator();

    private static final int CHUNK = 64 * 1024;
    private static final int HEADER_PAGE = 4096;

    private ZeroFillAllocator()
    {
    }

    @Override
    public void allocate(final Path file, final FileChannel channel, final long length) throws IOException
    {
        final ByteBuffer zeros = Zeros.BUFFER.duplicate();
        long position = 0;
        while (position < length)
        {
            // The first page on its own: the segment header's page (rewritten by barriers that record
            // a durable watermark) then stays a 4 KiB folio, and such a barrier writes 4 KiB more, not 64.
            final int chunk = position == 0 ? HEADER_PAGE : CHUNK - (int)(position % CHUNK);
            zeros.clear().limit((int)Math.min(chunk, length - position));
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
