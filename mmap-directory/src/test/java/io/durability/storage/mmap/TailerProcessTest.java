package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.durability.testhook.CrashPoints;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tailer in another process follows writers in other processes across more than 100 rolls: one
 * that halts mid-frame (a crash point: the payload of its 3000th frame written, the commit word not), one that resumes (cutting
 * that half frame) and is SIGKILLed mid-loop, and a {@code resume} here that continues: the tailer
 * receives exactly entries {@code 1..N}, in order, byte-exact, no duplicate and no gap. Both child
 * JVMs stop by themselves (the tailer after a deadline, the writer when killed), and are killed at
 * the end whatever happened.
 */
class TailerProcessTest
{
    private static final int SEGMENT = 4096;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT);

    @TempDir
    Path folder;

    /** A writer child; {@code crashPoint} (or null) halts it there after {@code hits} hits. */
    private static Process writer(final Path folder, final String how, final String crashPoint, final long hits)
    {
        final List<String> command = io.durability.testing.ChildJvms.command(
            TailedWriterMain.class, "64m", folder.toString(), Integer.toString(SEGMENT), "250", how);
        if (crashPoint != null)
        {
            command.add(1, "-Ddurability.crashpoint=" + crashPoint);
            command.add(2, "-Ddurability.crashpoint.after=" + hits);
        }
        try
        {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aTailerInAnotherProcessReceivesExactlyTheCommittedStreamThroughWriterDeathsAndResumes() throws Exception
    {
        final long halfFrameAt = 3000;
        final long killAfter = 7000;
        final long total = 14_000;
        final Process tailer = ChildJvm.start(TailerMain.class, folder.toString(), Long.toString(total), "120");
        final List<Process> writers = new ArrayList<>();
        try (BufferedReader tailerOut = ChildJvm.output(tailer))
        {
            assertEquals("started", tailerOut.readLine(), "the tailer opens before the WAL exists");

            // 1. A writer that dies mid-frame: its 3000th frame's payload written, its commit word not.
            final Process first = writer(folder, "create", CrashPoints.FRAME_AFTER_PAYLOAD, halfFrameAt);
            writers.add(first);
            try (BufferedReader out = ChildJvm.output(first))
            {
                for (String line = out.readLine(); line != null; line = out.readLine())
                {
                    assertTrue(line.startsWith("appended ") || line.startsWith("from "), "the writer said: " + line);
                }
            }
            assertTrue(first.waitFor(60, TimeUnit.SECONDS), "the first writer did not halt");
            assertEquals(CrashPoints.HALT_STATUS, first.exitValue());

            // 2. A writer that resumes (cutting the half frame), appends, and is SIGKILLed mid-loop.
            final Process second = writer(folder, "resume", null, 0);
            writers.add(second);
            long appended = 0;
            try (BufferedReader out = ChildJvm.output(second))
            {
                String from = out.readLine();
                while (from != null && !from.startsWith("from ")) // the repair's log lines come first
                {
                    from = out.readLine();
                }
                System.out.println("tailer-process: second writer: " + from);
                assertNotNull(from);
                // Seals are frames too: the crash point's 3000th hit is a few entries earlier.
                final long resumedFrom = Long.parseLong(from.split(" ")[1]);
                assertTrue(resumedFrom <= halfFrameAt && resumedFrom > halfFrameAt / 2, from);
                assertTrue(from.contains("zeroed"), "the resume repaired the half-written frame: " + from);
                for (String line = out.readLine(); line != null && appended < killAfter; line = out.readLine())
                {
                    assertTrue(line.startsWith("appended "), "the writer said: " + line);
                    appended = Long.parseLong(line.substring("appended ".length()));
                }
                // SIGKILL while the loop runs: no close, no unmap; often between the stores of one frame.
                second.destroyForcibly();
                assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second writer did not die");
            }
            assertTrue(appended >= killAfter, "the second writer stopped early after " + appended);

            // 3. This process resumes and appends the rest.
            final long resumedAt;
            final long segments;
            try (MmapDirectory dir = MmapDirectory.open(folder))
            {
                try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
                {
                    resumedAt = w.nextEntryId();
                    System.out.println("tailer-process: SIGKILLed after " + appended + " reported, resumed at " +
                        resumedAt + ": " + w.repairReport().describe());
                    assertTrue(resumedAt > appended, "lost entries the writer reported");
                    for (long id = resumedAt; id <= total; id++)
                    {
                        assertEquals(id, w.append(MmapProcessTest.payload(id)));
                    }
                    segments = w.currentSegmentId();
                }
                assertEquals(total,
                    new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).verify(ReplayMode.STRICT).lastEntryId());
            }
            assertTrue(segments > 100, "rolls " + (segments - 1));
            final String said = tailerOut.readLine();
            assertEquals("tailed " + total, said, "the tailer said");
            assertTrue(tailer.waitFor(60, TimeUnit.SECONDS), "the tailer did not exit");
            assertEquals(0, tailer.exitValue());
            System.out.println("tailer-process: " + total + " entries tailed across " + (segments - 1) +
                " rolls, a writer halted mid-frame at " + halfFrameAt + " and one SIGKILLed before " + resumedAt);
        }
        finally
        {
            tailer.destroyForcibly();
            for (final Process p : writers)
            {
                p.destroyForcibly();
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aDurableTailerInAnotherProcessReadsTheDurablePositionFromTheSegmentHeaders() throws Exception
    {
        final long total = 8000;
        final Process tailer = ChildJvm.start(TailerMain.class, folder.toString(), Long.toString(total), "120", "durable");
        try (BufferedReader tailerOut = ChildJvm.output(tailer))
        {
            assertEquals("started", tailerOut.readLine());
            final long segments;
            try (MmapDirectory dir = MmapDirectory.open(folder);
                WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                for (long id = 1; id <= total; id++)
                {
                    w.append(MmapProcessTest.payload(id));
                    if (id % 500 == 0)
                    {
                        w.flushAndSync();
                    }
                }
                segments = w.currentSegmentId();
                // The last entries were never synced: only close() (its final barrier and exact
                // watermark) lets a durable tailer deliver them.
                assertTrue(tailer.isAlive(), "the durable tailer finished before the last entries were durable");
            }
            assertTrue(segments > 100, "rolls " + (segments - 1));
            assertEquals("tailed " + total, tailerOut.readLine(), "the tailer said");
            assertTrue(tailer.waitFor(60, TimeUnit.SECONDS), "the tailer did not exit");
            assertEquals(0, tailer.exitValue());
            System.out.println("tailer-process: a durable tailer received " + total + " entries across " +
                (segments - 1) + " rolls");
        }
        finally
        {
            tailer.destroyForcibly();
        }
    }
}
