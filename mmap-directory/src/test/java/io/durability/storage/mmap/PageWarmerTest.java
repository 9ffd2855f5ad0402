package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.SegmentFile;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The page warmer (issue 14): warms a bounded window ahead of the writer and never changes a byte. */
class PageWarmerTest
{
    @TempDir
    Path folder;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theWindowAheadOfTheWriterIsMappedWritable() throws Exception
    {
        // What the writer's mapping has in this process's page tables (Rss in /proc/self/smaps): the
        // pages written, and with the warmer the window after them.
        final int window = 1 << 20;
        final int tail = 64 << 10;
        assertTrue(MmapOptions.defaults().withPageWarmer(window).rangedBarriers());
        final long without = rssAfterWriting(MmapOptions.defaults().withPageWarmer(0), tail, 0, 200);
        assertTrue(without < window / 4, "control: without the warmer " + without + " bytes are mapped");
        final long with = rssAfterWriting(MmapOptions.defaults().withPageWarmer(window), tail, tail + window - 8192, 20_000);
        assertTrue(with >= tail + window - 8192, "with the warmer " + with + " bytes are mapped");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theDefaultsWarmSegmentsOnDiskFilesystemsOnly() throws Exception
    {
        assertEquals(MmapOptions.DEFAULT_PAGE_WARMER_WINDOW, MmapOptions.defaults().pageWarmerWindow());
        assertEquals(1 << 20, MmapOptions.DEFAULT_PAGE_WARMER_WINDOW);
        org.junit.jupiter.api.Assumptions.assumeFalse(MemoryFilesystems.contains(folder),
            "test folders are on a memory filesystem: " + folder);
        final int tail = 64 << 10;
        final long with = rssAfterWriting(MmapOptions.defaults(), tail, tail + (1 << 20) - 8192, 20_000);
        assertTrue(with >= tail + (1 << 20) - 8192, "with the default options " + with + " bytes are mapped");

        // On tmpfs the pre-touch leaves every page writable: no warmer thread is started for it.
        final Path shm = Path.of("/dev/shm");
        if (java.nio.file.Files.isDirectory(shm) && MemoryFilesystems.contains(shm))
        {
            final Path sub = java.nio.file.Files.createTempDirectory(shm, "durability-warmer-");
            try
            {
                final long before = warmerThreads();
                try (MmapDirectory dir = MmapDirectory.open(sub, MmapOptions.defaults().withPrepareAhead(false));
                    SegmentFile f = dir.createSegment("wal/wal-1.seg", 1 << 20))
                {
                    f.buffer().putLong(0, 1L);
                    assertEquals(before, warmerThreads(), "a warmer was started for a segment on tmpfs");
                }
            }
            finally
            {
                TestFolders.delete(sub);
            }
        }
    }

    private static long warmerThreads()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("durability-mmap-warmer") && t.isAlive()).count();
    }

    /** @return the writer mapping's Rss in bytes once it reaches {@code expect} (or after the wait). */
    private long rssAfterWriting(final MmapOptions base, final int tail, final long expect, final long waitMillis)
        throws Exception
    {
        final Path sub = folder.resolve("run-" + System.nanoTime());
        final int capacity = 16 << 20;
        try (MmapDirectory dir = MmapDirectory.open(sub,
                base.withPreallocation(Preallocation.FALLOCATE).withPrepareAhead(false));
            SegmentFile f = dir.createSegment("wal/wal-1.seg", capacity))
        {
            for (int p = 0; p < tail; p += 4096)
            {
                f.buffer().putLong(p + 8, 1L);
            }
            f.written(tail);
            final Path file = sub.resolve("wal/wal-1.seg").toRealPath();
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            long rss;
            do
            {
                Thread.sleep(5);
                rss = rss(file);
            }
            while (rss < expect && System.nanoTime() < deadline);
            for (int p = tail; p < tail + (1 << 20); p += 8)
            {
                assertEquals(0L, f.buffer().getLong(p), "warming changes no byte");
            }
            return rss;
        }
    }

    private static long rss(final Path file) throws java.io.IOException
    {
        final java.util.List<String> lines = java.nio.file.Files.readAllLines(Path.of("/proc/self/smaps"));
        long total = 0;
        boolean inFile = false;
        for (final String line : lines)
        {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*"))
            {
                inFile = line.endsWith(file.toString());
            }
            else if (inFile && line.startsWith("Rss:"))
            {
                total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return total;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWalWrittenBesideTheWarmerReadsBackExactlyAcrossManyRolls()
    {
        final long seed = Long.getLong("seed", 20261203L);
        System.out.println("PageWarmerTest seed " + seed + " (rerun with -Dseed=" + seed + ")");
        final java.util.Random random = new java.util.Random(seed);
        final WalOptions wal = WalOptions.defaults().withSegmentCapacity(64 << 10);
        final int n = 40_000;
        final byte[][] payloads = new byte[n][];
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPageWarmer(16 << 10));
            WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, wal))
        {
            for (int i = 0; i < n; i++)
            {
                // Zero bytes too: the warmer's CAS 0 -> 0 may land on them and must leave them so.
                payloads[i] = new byte[random.nextInt(300)];
                for (int b = 0; b < payloads[i].length; b++)
                {
                    payloads[i][b] = random.nextInt(4) == 0 ? 0 : (byte)random.nextInt();
                }
                w.append(payloads[i]);
                if (i % 5000 == 0)
                {
                    w.flushAndSync();
                }
            }
            assertTrue(w.currentSegmentId() > 100, "many rolls: " + w.currentSegmentId());
        }
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            final int[] seen = {0};
            new WalReader<>(dir, BytesCodec.INSTANCE, wal).replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
            {
                final byte[] got = new byte[length];
                buffer.getBytes(offset, got);
                assertArrayEquals(payloads[(int)id - 1], got, "entry " + id);
                seen[0]++;
            });
            assertEquals(n, seen[0]);
        }
    }

    @Test
    void windowsUnderAPageAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> MmapOptions.defaults().withPageWarmer(100));
        assertThrows(IllegalArgumentException.class, () -> MmapOptions.defaults().withPageWarmer(-1));
        assertEquals(MmapOptions.DEFAULT_PAGE_WARMER_WINDOW, MmapOptions.defaults().pageWarmerWindow());
        assertEquals(0, MmapOptions.defaults().withPageWarmer(0).pageWarmerWindow());
        assertFalse(MmapOptions.defaults().withPageWarmer(0).rangedBarriers());
    }
}
