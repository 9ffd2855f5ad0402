package io.durability.storage.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A disk of {@code budget} bytes: allocates like {@link ZeroFillAllocator} until the budget is
 * spent, then writes what still fits and fails with the kernel's ENOSPC message, as a full disk
 * does mid-file.
 */
final class FailingAllocator implements SegmentAllocator
{
    private long budget;
    private int failures;

    FailingAllocator(final long budget)
    {
        this.budget = budget;
    }

    synchronized void grant(final long bytes)
    {
        budget += bytes;
    }

    synchronized int failures()
    {
        return failures;
    }

    @Override
    public synchronized void allocate(final java.nio.file.Path file, final FileChannel channel, final long length) throws IOException
    {
        if (length <= budget)
        {
            budget -= length;
            ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
            return;
        }
        if (budget > 0)
        {
            channel.write(ByteBuffer.allocate((int)budget), 0);
            budget = 0;
        }
        failures++;
        throw new IOException("No space left on device");
    }
}
