package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 11, case 6: readers sharing the writer's {@link MmapDirectory} release their read-only
 * segments at their own {@code close()}, whatever the preparing thread is doing; the writer's
 * closed writable segments wait for that thread only up to a bound. Descriptors and mappings are
 * counted in /proc/self/fd and /proc/self/maps (Linux only).
 */
class MmapReaderReleaseTest
{
    private static final String PREPARING_THREAD = "durability-mmap-prepare";
    private static final int SEGMENT = 64 * 1024;
    /** A slow disk, simulated: each spare takes this long to prepare, so the preparing thread is busy. */
    private static final long SLOW_PREPARE_MS = 20;
    private static final int ROLLS = 100;
    private static final long MAX_RUN_MS = 5_000;
    /** Descriptors on the folder the fixed code never exceeds: lock, current, spare, the bounded releases, readers. */
    private static final int FOLDER_DESCRIPTOR_BOUND = 64;
    private static final int PROCESS_DESCRIPTOR_BOUND = 256;
    /** Far beyond the bound: stop early rather than drive the test JVM into "Too many open files". */
    private static final int ABORT_AT = 2_000;

    @TempDir
    Path temp;

    private Path folder;

    @BeforeEach
    void requireProc() throws IOException
    {
        assumeTrue(Files.isReadable(Path.of("/proc/self/fd")), "needs Linux /proc");
        folder = temp.toRealPath();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readOnlyCloseReleasesAtOnceWhilePreparerIsBusy() throws Exception
    {
        final CountDownLatch preparing = new CountDownLatch(1);
        final CountDownLatch unblock = new CountDownLatch(1);
        final MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withAllocator(blockingInBackground(preparing, unblock)));
        try
        {
            final Path file = folder.resolve("wal/a.seg");
            try (SegmentFile writable = dir.createSegment("wal/a.seg", SEGMENT))
            {
                writable.buffer().putInt(0, 42);
                assertTrue(preparing.await(30, TimeUnit.SECONDS), "the spare's preparation started");
                assertEquals(1, descriptorsOn(file));
                assertEquals(1, mappingsOf(file));

                final SegmentFile readOnly = dir.openSegment("wal/a.seg", false);
                assertEquals(42, readOnly.buffer().getInt(0));
                assertEquals(2, descriptorsOn(file));
                assertEquals(2, mappingsOf(file));
                readOnly.close();
                assertEquals(1, descriptorsOn(file), "read-only descriptor closed by close(), preparer still busy");
                assertEquals(1, mappingsOf(file), "read-only mapping unmapped by close(), preparer still busy");
                assertEquals(0, dir.preparer().pendingReleases(), "nothing handed to the preparer");
                assertEquals(1, unblock.getCount(), "the preparer is still blocked");
            }
        }
        finally
        {
            unblock.countDown();
            dir.close();
        }
        assertEquals(0, descriptorsOn(folder.resolve("wal/a.seg")));
        assertEquals(0, mappingsOf(folder.resolve("wal/a.seg")));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void backgroundReleasesOfWritableSegmentsAreBounded() throws Exception
    {
        final CountDownLatch preparing = new CountDownLatch(1);
        final CountDownLatch unblock = new CountDownLatch(1);
        final MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withAllocator(blockingInBackground(preparing, unblock)));
        final Path file = folder.resolve("wal/a.seg");
        try
        {
            dir.createSegment("wal/a.seg", SEGMENT).close();
            assertTrue(preparing.await(30, TimeUnit.SECONDS), "the spare's preparation started");
            final int closes = 10 * SegmentPreparer.MAX_PENDING_RELEASES;
            int max = 0;
            for (int i = 0; i < closes; i++)
            {
                dir.openSegment("wal/a.seg", true).close();
                max = Math.max(max, (int)descriptorsOn(file));
            }
            System.out.println("writable closes while the preparer is blocked: " + closes +
                ", max descriptors on the file: " + max + " (bound " + SegmentPreparer.MAX_PENDING_RELEASES + ")");
            assertTrue(max <= SegmentPreparer.MAX_PENDING_RELEASES,
                "at most " + SegmentPreparer.MAX_PENDING_RELEASES + " releases wait for the preparer; saw " + max);
            assertEquals(SegmentPreparer.MAX_PENDING_RELEASES, dir.preparer().pendingReleases());
            assertEquals(1, unblock.getCount(), "the preparer is still blocked");
            unblock.countDown();
            dir.awaitPreparation();
            assertEquals(0, dir.preparer().pendingReleases());
            assertEquals(0, descriptorsOn(file), "the waiting releases ran once the preparer was free");
            assertEquals(0, mappingsOf(file));
        }
        finally
        {
            unblock.countDown();
            dir.close();
        }
        assertEquals(0, descriptorsOn(file));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readersBesideARollingWriterKeepDescriptorsBounded() throws Exception
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(SEGMENT);
        final long baselineProcess = processDescriptors();
        final long baselineFolder = folderDescriptors();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong replays = new AtomicLong();
        final AtomicLong falseErrors = new AtomicLong();
        final AtomicLong maxProcess = new AtomicLong(baselineProcess);
        final AtomicLong maxFolder = new AtomicLong(baselineFolder);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicReference<String> firstFalseError = new AtomicReference<>();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_RUN_MS);
        final List<Thread> threads = new ArrayList<>();
        long rolls = 0;

        final MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withAllocator(slowInBackground()));
        try
        {
            final WalWriter<byte[]> writer = WalWriter.create(dir, BytesCodec.INSTANCE, options);
            try
            {
                for (int r = 0; r < 2; r++)
                {
                    threads.add(start("reader-" + r, failure, stop, () ->
                    {
                        while (!stop.get() && System.nanoTime() < deadline)
                        {
                            try
                            {
                                new WalReader<>(dir, BytesCodec.INSTANCE, options).replayBestEffort();
                            }
                            catch (final DurabilityException ex)
                            {
                                // Replays beside the live writer can report false damage (a separate core bug).
                                falseErrors.incrementAndGet();
                                firstFalseError.compareAndSet(null, ex.getMessage());
                            }
                            replays.incrementAndGet();
                        }
                    }));
                }
                threads.add(start("sampler", failure, stop, () ->
                {
                    while (!stop.get())
                    {
                        final long process = processDescriptors();
                        final long inFolder = folderDescriptors();
                        maxProcess.accumulateAndGet(process, Math::max);
                        maxFolder.accumulateAndGet(inFolder, Math::max);
                        if (inFolder - baselineFolder > ABORT_AT || process - baselineProcess > ABORT_AT)
                        {
                            stop.set(true);
                        }
                        sleepQuietly();
                    }
                }));

                final byte[] entry = new byte[1000];
                long segment = writer.currentSegmentId();
                while (rolls < ROLLS && !stop.get() && System.nanoTime() < deadline)
                {
                    writer.append(entry);
                    if (writer.currentSegmentId() != segment)
                    {
                        segment = writer.currentSegmentId();
                        rolls++;
                    }
                }
            }
            finally
            {
                stop.set(true);
                for (final Thread t : threads)
                {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertFalse(t.isAlive(), t.getName() + " stopped");
                }
                writer.close();
            }
        }
        finally
        {
            dir.close();
        }

        System.out.printf(
            "rolls=%d replays=%d falseErrors=%d%s descriptors: process baseline=%d max=%d (+%d), folder baseline=%d max=%d (+%d)%n",
            rolls, replays.get(), falseErrors.get(),
            firstFalseError.get() == null ? "" : " (first: " + firstFalseError.get() + ")",
            baselineProcess, maxProcess.get(), maxProcess.get() - baselineProcess,
            baselineFolder, maxFolder.get(), maxFolder.get() - baselineFolder);
        if (failure.get() != null)
        {
            throw new AssertionError("a reader or the sampler failed", failure.get());
        }
        assertTrue(rolls > 0 && replays.get() > 0, "the writer rolled and the readers replayed");
        assertTrue(maxFolder.get() - baselineFolder <= FOLDER_DESCRIPTOR_BOUND,
            "descriptors on the WAL folder stay bounded: max " + maxFolder.get() + ", baseline " + baselineFolder);
        assertTrue(maxProcess.get() - baselineProcess <= PROCESS_DESCRIPTOR_BOUND,
            "process descriptors stay bounded: max " + maxProcess.get() + ", baseline " + baselineProcess);
        assertEquals(baselineFolder, folderDescriptors(), "every descriptor on the folder closed");
    }

    /** Zero-fills like the default, but the preparing thread parks in its first preparation until {@code unblock}. */
    private static SegmentAllocator blockingInBackground(final CountDownLatch preparing, final CountDownLatch unblock)
    {
        return (file, channel, length) ->
        {
            ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
            if (Thread.currentThread().getName().startsWith(PREPARING_THREAD))
            {
                preparing.countDown();
                try
                {
                    unblock.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("directory closed");
                }
            }
        };
    }

    /** Zero-fills like the default, then takes {@value #SLOW_PREPARE_MS} ms more on the preparing thread. */
    private static SegmentAllocator slowInBackground()
    {
        return (file, channel, length) ->
        {
            ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
            if (Thread.currentThread().getName().startsWith(PREPARING_THREAD))
            {
                try
                {
                    Thread.sleep(SLOW_PREPARE_MS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("directory closed");
                }
            }
        };
    }

    private static Thread start(
        final String name, final AtomicReference<Throwable> failure, final AtomicBoolean stop, final Runnable body)
    {
        final Thread t = new Thread(() ->
        {
            try
            {
                body.run();
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
                stop.set(true);
            }
        }, "release-test-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static long processDescriptors()
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private long folderDescriptors()
    {
        final String prefix = folder.toString() + "/";
        return countDescriptors(link -> link.startsWith(prefix));
    }

    private static long descriptorsOn(final Path file)
    {
        final String name = file.toString();
        return countDescriptors(link -> link.equals(name));
    }

    private static long countDescriptors(final Predicate<String> linkMatches)
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.filter(fd ->
            {
                try
                {
                    return linkMatches.test(Files.readSymbolicLink(fd).toString());
                }
                catch (final IOException ex)
                {
                    return false; // closed while listing (the listing's own descriptor, for one)
                }
            }).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static long mappingsOf(final Path file)
    {
        final String name = file.toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps")))
        {
            return lines.filter(l -> l.endsWith(" " + name)).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
