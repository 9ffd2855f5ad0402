package io.durability.storage.mmap;

import io.durability.walog.WalClaim;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot path allocates nothing: after warm-up, 100 000 appends of a 64-byte payload (codec path and
 * claim/commit path) on an MmapDirectory allocate 0 bytes on the appending thread. The segment is
 * large enough that no roll happens in the measured loops.
 */
class MmapAllocationTest
{
    private static final int ENTRIES = 100_000;
    private static final int WARM_UP = 100_000;
    private static final int WARM_UP_ROUNDS = 5;

    private Path folder;

    @BeforeEach
    void create()
    {
        folder = TestFolders.create("mmap-alloc");
    }

    @AfterEach
    void delete()
    {
        TestFolders.delete(folder);
    }

    @Test
    void appendsAllocateNothingOnTheAppendingThread()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final long thread = Thread.currentThread().getId();
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        for (int i = 0; i < 64; i++)
        {
            payload.putByte(i, (byte)i);
        }
        // 4 x 100 000 frames of 88 bytes: one 64 MiB segment holds them all, so nothing rolls.
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024 * 1024);
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPrepareAhead(false));
            WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, options))
        {
            // Both paths alternately, so neither's compiled code is deoptimized by the other's profile later.
            for (int round = 0; round < WARM_UP_ROUNDS; round++)
            {
                appendAll(w, payload, WARM_UP / WARM_UP_ROUNDS);
                claimAll(w, payload, WARM_UP / WARM_UP_ROUNDS);
            }
            final long segment = w.currentSegmentId();

            // What reading the counter itself costs, so only the loops are measured.
            long before = threads.getThreadAllocatedBytes(thread);
            final long overhead = threads.getThreadAllocatedBytes(thread) - before;

            before = threads.getThreadAllocatedBytes(thread);
            appendAll(w, payload, ENTRIES);
            final long appendBytes = threads.getThreadAllocatedBytes(thread) - before - overhead;

            before = threads.getThreadAllocatedBytes(thread);
            claimAll(w, payload, ENTRIES);
            final long claimBytes = threads.getThreadAllocatedBytes(thread) - before - overhead;

            assertEquals(segment, w.currentSegmentId(), "a roll happened during measurement");
            assertEquals(2L * WARM_UP + 2L * ENTRIES, w.lastEntryId());
            assertEquals(0, appendBytes, "bytes allocated by " + ENTRIES + " appends");
            assertEquals(0, claimBytes, "bytes allocated by " + ENTRIES + " claim/commit");
        }
    }

    private static void appendAll(final WalWriter<DirectBuffer> w, final DirectBuffer payload, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            w.append(payload);
        }
    }

    private static void claimAll(final WalWriter<DirectBuffer> w, final DirectBuffer payload, final int n)
    {
        for (int i = 0; i < n; i++)
        {
            final WalClaim claim = w.claim(64);
            claim.buffer().putBytes(claim.offset(), payload, 0, 64);
            claim.commit();
        }
    }
}
