package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.NextSegment;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalMetrics;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The next segment named ahead by the writer's background thread on a real filesystem (the default,
 * {@link NextSegment#AUTO} on an {@link MmapDirectory}): rolls find their file ready when they are
 * further apart than the thread's poll, the rolled-away segments are closed by that thread, and a
 * closed writer leaves no named file and no thread behind.
 */
class MmapNamedAheadTest
{
    private static final int SEGMENT = 64 * 1024;
    private static final String THREAD = "durability-wal-ahead-wal";

    @TempDir
    Path folder;

    /** Writers other tests abandoned (a crash, simulated) keep theirs: count, never look for none. */
    private static long aheadThreads()
    {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(THREAD) && t.isAlive()).count();
    }

    @Test
    void rollsTakeTheSegmentNamedAheadAndCloseLeavesNothingBehind()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(SEGMENT);
        final byte[] payload = new byte[1000];
        long last = 0;
        final WalMetrics metrics;
        final long before = aheadThreads();
        try (MmapDirectory dir = MmapDirectory.open(folder);
            WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            assertEquals(before + 1, aheadThreads(), "started with the writer (AUTO on a filesystem is BACKGROUND)");
            for (int segment = 1; segment <= 8; segment++)
            {
                // Rolls 50 ms apart: far more than the thread's longest poll (10 ms) and a spare's rename.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                while (w.currentSegmentId() == segment)
                {
                    last = w.append(payload);
                }
                final Path next = folder.resolve("wal").resolve("wal-" + (w.currentSegmentId() + 1) + ".seg");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!next.toFile().exists() && System.nanoTime() < deadline)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(next.toFile().exists(), "named ahead: " + next);
            }
            metrics = w.metrics();
            w.flushAndSync();
        }
        assertEquals(8, metrics.rolls());
        // A scheduler may starve the thread past 50 ms on a loaded machine; never for most of the rolls.
        assertTrue(metrics.rollsWithoutSpare() <= 2, "rolls that found no file ready: " + metrics);
        assertEquals(before, aheadThreads(), "stopped by close");
        assertEquals(List.of(".lock", "wal-1.seg", "wal-2.seg", "wal-3.seg", "wal-4.seg", "wal-5.seg", "wal-6.seg",
            "wal-7.seg", "wal-8.seg", "wal-9.seg"), TestFolders.rawNames(folder.resolve("wal")),
            "no segment named ahead, no spare left after close");
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            final long[] count = {0};
            new WalReader<>(dir, BytesCodec.INSTANCE, options).replayEach(ReplayMode.STRICT, (id, e) -> count[0]++);
            assertEquals(last, count[0]);
        }
    }

    @Test
    void atRollCreatesNothingAheadAndRunsNoThread()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(SEGMENT).withNextSegment(NextSegment.AT_ROLL);
        final long before = aheadThreads();
        try (MmapDirectory dir = MmapDirectory.open(folder);
            WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            final byte[] payload = new byte[1000];
            while (w.currentSegmentId() < 3)
            {
                w.append(payload);
            }
            assertEquals(before, aheadThreads());
            assertFalse(folder.resolve("wal").resolve("wal-4.seg").toFile().exists());
            assertEquals(2, w.metrics().rollsWithoutSpare(), "every roll created its own file");
        }
    }
}
