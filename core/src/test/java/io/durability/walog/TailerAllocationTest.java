package io.durability.walog;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tailer allocates nothing when nothing is new, in either delivery mode, and nothing per entry
 * delivered in place: bytes allocated by the polling thread (not time), after warm-up, the least of
 * several rounds (a JIT deoptimisation can allocate once while a loop settles; a poll that allocated
 * would do so in every round). The mmap module runs it on memory-mapped files.
 */
public class TailerAllocationTest
{
    private static final int ROUNDS = 4;
    private static final int POLLS = 100_000;
    private static final int ENTRIES = 20_000;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    /** @return a directory for the measurement; subclasses measure other backends. */
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }

    private static long allocatedBytes()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    private static final class Sum implements FrameHandler
    {
        long entries;
        long bytes;

        @Override
        public void onFrame(final long entryId, final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            entries++;
            bytes += buffer.getByte(offset) + length;
        }
    }

    @Test
    void pollingWithNothingNewAndDeliveringInPlaceAllocateNothing()
    {
        // One segment large enough for every round: a roll opens a segment (a handle, a view), by design.
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(16 * 1024 * 1024);
        final AllocationTest.Payload p = new AllocationTest.Payload(64);
        try (Directory dir = newDirectory();
            WalWriter<AllocationTest.Payload> w = WalWriter.create(dir, new AllocationTest.PayloadCodec(), options);
            WalTailer<AllocationTest.Payload> visible = WalTailer.open(dir, new AllocationTest.PayloadCodec(), options,
                ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, WalTailer.FIRST);
            WalTailer<AllocationTest.Payload> durable = WalTailer.open(dir, new AllocationTest.PayloadCodec(), options,
                ReplayMode.STRICT, WalTailer.Delivery.DURABLE, WalTailer.FIRST))
        {
            final Sum sum = new Sum();
            long idleVisible = Long.MAX_VALUE;
            long idleDurable = Long.MAX_VALUE;
            long delivering = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++)
            {
                for (int i = 0; i < ENTRIES; i++)
                {
                    p.bytes.putInt(0, i);
                    w.append(p);
                }
                final long before = allocatedBytes();
                long delivered = 0;
                while (delivered < ENTRIES)
                {
                    delivered += visible.pollFrames(sum, 256);
                }
                final long afterDelivery = allocatedBytes();
                for (int i = 0; i < POLLS; i++)
                {
                    if (visible.pollFrames(sum, 256) != 0)
                    {
                        fail("nothing new was appended");
                    }
                }
                final long afterIdleVisible = allocatedBytes();
                for (int i = 0; i < POLLS; i++)
                {
                    // Nothing is durable (memory: nothing was flushed) while the frames are visible.
                    if (durable.pollFrames(sum, 256) != 0)
                    {
                        fail("nothing was published");
                    }
                }
                final long afterIdleDurable = allocatedBytes();
                delivering = Math.min(delivering, afterDelivery - before);
                idleVisible = Math.min(idleVisible, afterIdleVisible - afterDelivery);
                idleDurable = Math.min(idleDurable, afterIdleDurable - afterIdleVisible);
            }
            assertEquals(1, w.currentSegmentId(), "no roll inside the measured loops");
            assertEquals((long)ROUNDS * ENTRIES, sum.entries);
            assertEquals(0, delivering, "bytes allocated delivering " + ENTRIES + " entries in place");
            assertEquals(0, idleVisible, "bytes allocated by " + POLLS + " visible polls with nothing new");
            assertEquals(0, idleDurable, "bytes allocated by " + POLLS + " durable polls with nothing durable");
        }
    }
}
