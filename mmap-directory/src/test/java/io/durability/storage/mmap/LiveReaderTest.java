package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Readers beside a writer that rolls often never see a false error (issue 11, case 5): strict replays
 * looping in this process (through the writer's own directory and through another instance on the
 * same folder) and beside a writer in another process; every replay must be a prefix of the stream,
 * every payload right. Bounded in count and time.
 */
class LiveReaderTest
{
    private static final int SEGMENT = 16 * 1024;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT);
    /**
     * Replays to reach in this process ({@code -Dlive.replays=N}); each one maps every segment, which on
     * the VM the suite runs on costs ~0.1 ms a segment, so the default keeps the test near 10 s.
     */
    private static final int REPLAYS = Integer.getInteger("live.replays", 600);

    @TempDir
    Path folder;

    static byte[] payload(final long id)
    {
        return ("live-" + id + "-" + "z".repeat((int)(id % 53))).getBytes(StandardCharsets.UTF_8);
    }

    /** One strict replay checked as a prefix; returns the entries seen. */
    private static long replayPrefix(final MmapDirectory dir)
    {
        final long[] last = {0};
        new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
        {
            if (id != last[0] + 1)
            {
                throw new AssertionError("entry " + id + " after " + last[0]);
            }
            final byte[] expected = payload(id);
            final byte[] got = new byte[length];
            buffer.getBytes(offset, got);
            if (!java.util.Arrays.equals(expected, got))
            {
                throw new AssertionError("payload of entry " + id);
            }
            last[0] = id;
        });
        return last[0];
    }

    private static final class Readers
    {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong replays = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<Throwable> first = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();

        void start(final MmapDirectory... dirs)
        {
            for (final MmapDirectory d : dirs)
            {
                final Thread t = new Thread(() ->
                {
                    long previous = 0;
                    while (!stop.get())
                    {
                        try
                        {
                            final long seen = replayPrefix(d);
                            if (seen < previous)
                            {
                                throw new AssertionError("a later replay saw fewer entries: " + seen + " < " + previous);
                            }
                            previous = seen;
                            replays.incrementAndGet();
                        }
                        catch (final DurabilityException | AssertionError ex)
                        {
                            errors.incrementAndGet();
                            first.compareAndSet(null, ex);
                        }
                    }
                }, "live-reader");
                threads.add(t);
                t.start();
            }
        }

        void stopAndJoin() throws InterruptedException
        {
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(30_000);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readersInThisProcessBesideARollingWriterSeeOnlyPrefixes() throws Exception
    {
        final Readers readers = new Readers();
        long appended = 0;
        long rolls;
        try (MmapDirectory dir = MmapDirectory.open(folder);
            MmapDirectory other = MmapDirectory.open(folder))
        {
            try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                readers.start(dir, other);
                // Rolls spread over the run (a pause after each), so that thousands of replays cross them
                // while the WAL stays small enough for a replay to take milliseconds.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long segment = w.currentSegmentId();
                while ((readers.replays.get() < REPLAYS || w.currentSegmentId() < 100) && System.nanoTime() < deadline &&
                    w.currentSegmentId() < 150)
                {
                    appended = w.append(payload(w.nextEntryId()));
                    if (w.currentSegmentId() != segment)
                    {
                        segment = w.currentSegmentId();
                        Thread.sleep(60);
                    }
                }
                rolls = w.currentSegmentId() - 1;
                // On a loaded machine the rolls can run out before the replays are done: the writer stays
                // open (its last segment live) while the readers catch up, within the same deadline.
                while (readers.replays.get() < REPLAYS && System.nanoTime() < deadline && readers.first.get() == null)
                {
                    Thread.sleep(10);
                }
            }
            readers.stopAndJoin();
            assertEquals(appended, replayPrefix(dir));
        }
        System.out.printf("live-readers in-process: replays=%d errors=%d rolls=%d appended=%d%n",
            readers.replays.get(), readers.errors.get(), rolls, appended);
        if (readers.first.get() != null)
        {
            throw new AssertionError("a replay beside the writer failed: " + readers.first.get(), readers.first.get());
        }
        assertEquals(0, readers.errors.get());
        assertTrue(readers.replays.get() >= REPLAYS / 2, "replays " + readers.replays.get());
        assertTrue(rolls >= 90, "rolls " + rolls);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void readersBesideAWriterInAnotherProcessSeeOnlyPrefixes() throws Exception
    {
        final long entries = Long.getLong("live.entries", 30_000);
        final Readers readers = new Readers();
        long written;
        final Process child = ChildJvm.start(RollingWriterMain.class, folder.toString(), Integer.toString(SEGMENT),
            Long.toString(entries));
        try (MmapDirectory dir = MmapDirectory.open(folder); BufferedReader out = ChildJvm.output(child))
        {
            assertEquals("started", out.readLine());
            readers.start(dir, dir);
            // The child writes at least `entries`, then goes on until told to stop: the replays beside it
            // do not depend on how fast this machine is today.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (readers.replays.get() < 100 && System.nanoTime() < deadline && readers.first.get() == null)
            {
                Thread.sleep(10);
            }
            child.getOutputStream().write("stop\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            child.getOutputStream().flush();
            final String done = out.readLine();
            assertTrue(done != null && done.startsWith("done "), "the child writer said " + done);
            written = Long.parseLong(done.substring("done ".length()));
            assertTrue(written >= entries, "the child wrote " + written + " of at least " + entries);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not exit");
            readers.stopAndJoin();
            assertEquals(written, replayPrefix(dir));
        }
        finally
        {
            child.destroyForcibly();
        }
        System.out.printf("live-readers cross-process: replays=%d errors=%d entries=%d%n",
            readers.replays.get(), readers.errors.get(), written);
        if (readers.first.get() != null)
        {
            throw new AssertionError("a replay beside the writer in another process failed: " + readers.first.get(),
                readers.first.get());
        }
        assertEquals(0, readers.errors.get());
        assertTrue(readers.replays.get() >= 50, "replays " + readers.replays.get());
    }
}
