package io.durability.storage.mmap;

import io.durability.codec.DirectBufferCodec;
import io.durability.walog.WalClaim;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot path allocates nothing: after warm-up, 100 000 appends of a 64-byte payload (codec path, and
 * claim/commit path) on an MmapDirectory allocate 0 bytes on the appending thread.
 *
 * <p>Warm-up is operational: rounds of exactly the measured loops are run until two consecutive rounds
 * without a roll allocate nothing. While the JIT swaps compiled code (tier 3 to 4, on-stack replacement
 * of the loop itself) a deoptimization may rematerialize a few objects that escape analysis had
 * removed, a few hundred bytes once; an allocation on the hot path would instead cost at least 16 bytes
 * per append, every round, and the test would run out of rounds. Rounds that roll a segment are not
 * counted (a roll creates the next segment's appender). No timing is involved, only allocation counts.
 */
class MmapAllocationTest
{
    private static final int ENTRIES = 100_000;
    private static final int MAX_ROUNDS = 12;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private Path folder;

    @BeforeEach
    void create() throws IOException
    {
        // Memory-backed when available: this test is about the CPU path, not the disk.
        final Path shm = Path.of("/dev/shm");
        folder = Files.isDirectory(shm) && Files.isWritable(shm) ?
            Files.createTempDirectory(shm, "mmap-alloc") : TestFolders.create("mmap-alloc");
    }

    @AfterEach
    void delete()
    {
        TestFolders.delete(folder);
    }

    @Test
    void appendsAllocateNothingOnTheAppendingThread()
    {
        measure(WalOptions.defaults().withSegmentCapacity(32 * 1024 * 1024));
    }

    /** The same with group commit: a syncer thread forcing what the appending thread writes, which allocates nothing for it. */
    @Test
    void appendsAllocateNothingBesideABackgroundSyncer()
    {
        measure(WalOptions.defaults().withSegmentCapacity(32 * 1024 * 1024).withSyncPolicy(SyncPolicy.continuous()));
    }

    private void measure(final WalOptions options)
    {
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        final long thread = Thread.currentThread().getId();
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        for (int i = 0; i < 64; i++)
        {
            payload.putByte(i, (byte)i);
        }
        // A round is 2 x 100 000 frames of 88 bytes (17.6 MB): a 32 MiB segment rolls every other round.
        final StringBuilder history = new StringBuilder();
        try (MmapDirectory dir = MmapDirectory.open(folder);
            WalWriter<DirectBuffer> w = WalWriter.create(dir, DirectBufferCodec.INSTANCE, options))
        {
            int quiet = 0;
            for (int round = 1; quiet < 2; round++)
            {
                assertTrue(round <= MAX_ROUNDS, "no two consecutive allocation-free rounds (append B, claim B): " + history);
                final long segment = w.currentSegmentId();
                long before = threads.getThreadAllocatedBytes(thread);
                appendAll(w, payload, ENTRIES);
                final long appendBytes = threads.getThreadAllocatedBytes(thread) - before;
                before = threads.getThreadAllocatedBytes(thread);
                claimAll(w, payload, ENTRIES);
                final long claimBytes = threads.getThreadAllocatedBytes(thread) - before;
                final boolean rolled = w.currentSegmentId() != segment;
                history.append(" [").append(appendBytes).append(", ").append(claimBytes).append(rolled ? ", rolled]" : "]");
                if (!rolled)
                {
                    quiet = appendBytes == 0 && claimBytes == 0 ? quiet + 1 : 0;
                }
                // Release rolled segments between rounds, outside the measurement.
                w.flushAndSync();
                w.deleteSegmentsCoveredBy(w.lastEntryId());
            }
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
