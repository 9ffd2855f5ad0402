package io.durability.storage.mmap;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Releases the mappings of closed writable segments. Its one job: unmap a closed segment's mapping
 * and close its descriptor on the {@link PreparingThread}, after the work queued before (a spare's
 * preparation can take 100 ms and more), so a roll does not pay for {@code munmap} on the
 * appending thread, and never let more than {@value #MAX_PENDING} wait there.
 *
 * <p>Read-only segments never come here: their readers release on their own thread (see
 * {@link MmapSegment#close()}).
 *
 * <p>Thread-safe.
 */
final class MappingReleaser
{
    /**
     * At most this many closed segments wait for the preparing thread to unmap them and close their
     * descriptors; {@link #release} runs further ones on the calling thread.
     */
    static final int MAX_PENDING = 8;

    private static final System.Logger LOG = System.getLogger("io.durability.storage.mmap");

    private final PreparingThread thread;
    private final AtomicInteger pending = new AtomicInteger();

    MappingReleaser(final PreparingThread thread)
    {
        this.thread = thread;
    }

    /**
     * Unmap {@code map} and close {@code channel} on the preparing thread. Bounded: while
     * {@value #MAX_PENDING} releases already wait for that thread, or once it is closed, both happen
     * on the calling thread before this method returns. So at most {@value #MAX_PENDING} closed
     * segments hold a mapping and a descriptor at any time, however fast segments are closed and
     * whatever the preparing thread is doing.
     */
    void release(final MappedByteBuffer map, final FileChannel channel)
    {
        if (pending.incrementAndGet() <= MAX_PENDING)
        {
            final Release job = new Release(map, channel);
            if (!thread.execute(job))
            {
                job.run();
            }
            return;
        }
        pending.decrementAndGet();
        MmapSegment.release(map, channel);
    }

    /** @return how many closed segments wait for the preparing thread to release them. */
    int pending()
    {
        return pending.get();
    }

    /** Unmaps a closed segment's mapping and closes its channel; run exactly once. */
    private final class Release implements PreparingThread.Task
    {
        private final MappedByteBuffer map;
        private final FileChannel channel;

        Release(final MappedByteBuffer map, final FileChannel channel)
        {
            this.map = map;
            this.channel = channel;
        }

        @Override
        public void run()
        {
            try
            {
                MmapSegment.release(map, channel);
            }
            catch (final RuntimeException ex)
            {
                // Background work fails loudly: a mapping that could not be released stays until the JVM exits.
                LOG.log(System.Logger.Level.WARNING,
                    "durability: releasing a rolled segment's mapping on the preparing thread failed: " + ex, ex);
            }
            finally
            {
                pending.decrementAndGet();
            }
        }

        /** A closed segment's mapping is never leaked: released on the thread that stops the preparing one. */
        @Override
        public void settle()
        {
            run();
        }
    }
}
