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
 * large enough that nothing rolls.
 *
 * <p>Warm-up lasts until two consecutive rounds of both paths allocate nothing: while the JIT
 * replaces tier-3 code with tier-4 code, a deoptimization may rematerialize a few objects that
 * escape analysis had removed (a hundred bytes or so, once), which is not the steady state being
 * pinned. No timing is involved: only allocation counts.
 */
class MmapAllocationTest
{
    private static final int ENTRIES = 100_000;
    private static final int ROUND = 10_000;
    private static final int MAX_WARM_UP_ROUNDS = 25;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final long thread = Thread.currentThread().getId();
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
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        for (int i = 0; i < 64; i++)
        {
            payload.putByte(i, (byte)i);
        }
        // At most 25 x 2 x 10 000 + 2 x 100 000 frames of 88 bytes: one 64 MiB segment holds them all.
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024 * 1024);
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPrepareAhead(false));
            WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, options))
        {
            int quiet = 0;
            int rounds = 0;
            long appendBytes = -1;
            long claimBytes = -1;
            while (quiet < 2)
            {
                assertTrue(++rounds <= MAX_WARM_UP_ROUNDS,
                    "still allocating after " + MAX_WARM_UP_ROUNDS + " warm-up rounds: append " + appendBytes +
                    " B, claim " + claimBytes + " B per " + ROUND);
                long before = threads.getThreadAllocatedBytes(thread);
                appendAll(w, payload, ROUND);
                appendBytes = threads.getThreadAllocatedBytes(thread) - before;
                before = threads.getThreadAllocatedBytes(thread);
                claimAll(w, payload, ROUND);
                claimBytes = threads.getThreadAllocatedBytes(thread) - before;
                quiet = appendBytes == 0 && claimBytes == 0 ? quiet + 1 : 0;
            }

            long before = threads.getThreadAllocatedBytes(thread);
            appendAll(w, payload, ENTRIES);
            appendBytes = threads.getThreadAllocatedBytes(thread) - before;
            before = threads.getThreadAllocatedBytes(thread);
            claimAll(w, payload, ENTRIES);
            claimBytes = threads.getThreadAllocatedBytes(thread) - before;

            assertEquals(1, w.currentSegmentId(), "a roll happened");
            assertEquals(2L * rounds * ROUND + 2L * ENTRIES, w.lastEntryId());
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
