package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.SegmentFile;
import io.durability.walog.NextSegment;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk is an IO error from createSegment (so from append on a roll) before any store into a
 * mapping, and the WAL stays readable and resumable: with an injected allocator, and on a real 2 MiB
 * tmpfs when the machine lets the test mount one.
 */
class MmapDiskFullTest
{
    private static final int SEGMENT = 4096;
    // The roll creates its own file (nothing named ahead): the allocation failures counted here are the roll's.
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT).withNextSegment(NextSegment.AT_ROLL);

    @TempDir
    Path folder;

    private static byte[] payload(final long id)
    {
        return ("entry-" + id + "-" + "z".repeat((int)(id % 29))).getBytes(StandardCharsets.UTF_8);
    }

    private static void assertIsDiskFull(final DurabilityException ex)
    {
        assertEquals(Kind.IO, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains("No space left on device"), ex.getMessage());
    }

    @Test
    void createSegmentFailsWithIoAndLeavesNoFileBehind()
    {
        final FailingAllocator disk = new FailingAllocator(SEGMENT + SEGMENT / 2);
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPrepareAhead(false).withAllocator(disk)))
        {
            try (SegmentFile first = dir.createSegment("wal/a.seg", SEGMENT))
            {
                final DurabilityException ex = assertThrows(DurabilityException.class, () -> dir.createSegment("wal/b.seg", SEGMENT));
                assertIsDiskFull(ex);
                assertEquals("wal/b.seg", ex.file());
                assertFalse(dir.exists("wal/b.seg"), "the partial file is deleted");
                first.buffer().putLong(SEGMENT - 8, -1L);
                first.force(SEGMENT - 8, 8);
            }
            disk.grant(SEGMENT);
            dir.createSegment("wal/b.seg", SEGMENT).close();
        }
    }

    @ParameterizedTest(name = "prepareAhead={0}")
    @ValueSource(booleans = {false, true})
    void appendThatNeedsANewSegmentFailsWithIoAndTheWalStaysReadableAndResumable(final boolean prepareAhead)
    {
        // Room for three segment files: with spares, the third is the spare prepared for the second roll.
        final FailingAllocator disk = new FailingAllocator(3L * SEGMENT);
        final MmapOptions options = MmapOptions.defaults().withPrepareAhead(prepareAhead).withAllocator(disk);
        long last;
        try (MmapDirectory dir = MmapDirectory.open(folder, options))
        {
            final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            DurabilityException full = null;
            long id = 1;
            for (; id < 10_000 && full == null; id++)
            {
                try
                {
                    assertEquals(id, w.append(payload(id)));
                }
                catch (final DurabilityException ex)
                {
                    full = ex;
                }
            }
            assertNotNull(full, "the disk never filled");
            assertIsDiskFull(full);
            last = w.lastEntryId();
            final long lastBeforeRetry = last;
            assertEquals(id - 2, last, "the failed append took no id");
            assertEquals(3, w.currentSegmentId(), "three segments fit");
            // With spares, the background failure (the third spare) travels with the caller's own error.
            assertEquals(prepareAhead ? 1 : 0, full.getSuppressed().length);
            final DurabilityException again = assertThrows(DurabilityException.class, () -> w.append(payload(lastBeforeRetry + 1)));
            assertIsDiskFull(again);
            assertEquals(prepareAhead ? 3 : 2, disk.failures(), "allocations refused");
            w.flushAndSync();
            w.close();
            assertEquals(List.of(".lock", "wal-1.seg", "wal-2.seg", "wal-3.seg"), TestFolders.rawNames(folder.resolve("wal")),
                "no partial segment or spare left");
            assertReplays(dir, last);
        }
        disk.grant(10L * SEGMENT);
        try (MmapDirectory dir = MmapDirectory.open(folder, options);
            WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            assertEquals(last, w.lastEntryId());
            final long segmentBefore = w.currentSegmentId();
            long id = last + 1;
            while (w.currentSegmentId() < segmentBefore + 2)
            {
                assertEquals(id, w.append(payload(id)));
                id++;
            }
            last = w.lastEntryId();
        }
        try (MmapDirectory dir = MmapDirectory.open(folder, options))
        {
            assertReplays(dir, last);
        }
    }

    private static void assertReplays(final MmapDirectory dir, final long last)
    {
        final List<WalRecord<byte[]>> records = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay(ReplayMode.STRICT);
        assertEquals(last, records.size());
        for (int i = 0; i < records.size(); i++)
        {
            assertEquals(i + 1, records.get(i).entryId());
            assertArrayEquals(payload(i + 1), records.get(i).payload());
        }
    }

    @Test
    void realSmallFilesystemFillsUpWithAnIoErrorNotACrash() throws Exception
    {
        final Path mount = folder.resolve("tmpfs");
        Files.createDirectories(mount);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()),
            "cannot mount a tmpfs here (not root?); skipping the real disk-full test");
        boolean unmounted = false;
        try
        {
            final WalOptions big = WalOptions.defaults().withSegmentCapacity(256 * 1024);
            final byte[] entry = new byte[1000];
            long last;
            try (MmapDirectory dir = MmapDirectory.open(mount);
                WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, big))
            {
                DurabilityException full = null;
                for (int i = 0; i < 10_000 && full == null; i++)
                {
                    try
                    {
                        w.append(entry);
                    }
                    catch (final DurabilityException ex)
                    {
                        full = ex;
                    }
                }
                assertNotNull(full, "a 2 MiB filesystem never filled");
                assertIsDiskFull(full);
                last = w.lastEntryId();
                assertTrue(last > 1000, "filled after " + last + " entries");

                // Free space the way an application does (checkpoint, then drop covered segments): appends go on.
                w.flushAndSync();
                assertTrue(w.deleteSegmentsCoveredBy(last) > 0);
                assertEquals(last + 1, w.append(entry));
                while (w.currentSegmentId() < 10)
                {
                    w.append(entry);
                }
                last = w.lastEntryId();
            }
            try (MmapDirectory dir = MmapDirectory.open(mount))
            {
                final WalReader.ScanSummary summary = new WalReader<>(dir, BytesCodec.INSTANCE, big).verify(ReplayMode.STRICT);
                assertEquals(last, summary.lastEntryId());
            }
            // Nothing of this process (no mapping, no descriptor) still holds the filesystem: that is
            // asserted from /proc/self, and it is what a leak would show. umount itself has been seen
            // to report busy for a while under full-suite load with nothing of ours there, so it is
            // retried for up to 10 s, and only a busy mount that this process holds fails the test.
            final String held = holders(mount);
            assertEquals("nothing this process has mapped or open", held, "after every close, this process still holds " +
                mount);
            for (int attempt = 0; attempt < 100 && !unmounted; attempt++)
            {
                unmounted = run("umount", mount.toString());
                if (!unmounted)
                {
                    Thread.sleep(100);
                }
            }
            assertTrue(unmounted, "umount " + mount + ": still busy for 10 s; this process holds: " + holders(mount));
        }
        finally
        {
            if (!unmounted)
            {
                run("umount", "-l", mount.toString()); // lazily, so the original failure is the one reported
            }
        }
    }

    /** @return what this process still has open or mapped under {@code mount} (for the failure message). */
    private static String holders(final Path mount) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (final String line : Files.readAllLines(Path.of("/proc/self/maps")))
        {
            if (line.contains(mount.toString()))
            {
                sb.append("map ").append(line).append("; ");
            }
        }
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            for (final Path fd : (Iterable<Path>)fds::iterator)
            {
                try
                {
                    final String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(mount.toString()))
                    {
                        sb.append("fd ").append(fd.getFileName()).append(" -> ").append(target).append("; ");
                    }
                }
                catch (final IOException ex)
                {
                    // Closed meanwhile.
                }
            }
        }
        return sb.length() == 0 ? "nothing this process has mapped or open" : sb.toString();
    }

    private static boolean run(final String... command) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
