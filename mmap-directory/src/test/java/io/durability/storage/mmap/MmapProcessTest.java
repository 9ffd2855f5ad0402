package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Behaviour across processes: the OS lock, and a writer killed with SIGKILL mid-loop. */
class MmapProcessTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096);

    @TempDir
    Path folder;

    static byte[] payload(final long id)
    {
        return ("entry-" + id + "-" + "y".repeat((int)(id % 41))).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void secondProcessIsRefusedWhileTheWriterIsOpenAndSucceedsAfter()
    {
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            for (long id = 1; id <= 3; id++)
            {
                w.append(payload(id));
            }
            dir.awaitPreparation();
            final String refused = ChildJvm.run(LockProbeMain.class, folder.toString());
            assertTrue(refused.startsWith("FAILED LOCK_FAILED"), refused);
            assertTrue(refused.contains("pid " + ProcessHandle.current().pid()), "names the holder: " + refused);
            // The child never got the lock, so it cleaned nothing; and ours is held with an OS lock anyway.
            assertEquals(1, TestFolders.spares(folder.resolve("wal")));
            w.close();
            final String accepted = ChildJvm.run(LockProbeMain.class, folder.toString());
            assertEquals("OK 3", accepted.trim());
        }
    }

    @Test
    void writerKilledMidLoopLosesNothingItAppendedAndResumeContinues() throws Exception
    {
        final long atLeast = 3000;
        final Process child = ChildJvm.start(AppendLoopMain.class, folder.toString(), "4096", "250");
        long acknowledged = 0;
        try (BufferedReader out = ChildJvm.output(child))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                assertTrue(line.startsWith("appended "), "child said: " + line);
                acknowledged = Long.parseLong(line.substring("appended ".length()));
                if (acknowledged >= atLeast)
                {
                    break;
                }
            }
            // SIGKILL: no shutdown hook, no close, no unmap; the loop is still running.
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
        }
        finally
        {
            child.destroyForcibly();
        }
        assertTrue(acknowledged >= atLeast, "child stopped early after " + acknowledged);

        final long last;
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                // The dead writer's spare is stale and removed; this writer may already have prepared its own.
                assertEquals(0, TestFolders.sparesOfOtherProcesses(folder.resolve("wal")), "the dead writer's spare is stale");
                last = w.lastEntryId();
                assertTrue(last >= acknowledged, "lost entries: " + last + " < " + acknowledged);
                assertEquals(last + 1, w.append(payload(last + 1)));
            }
            final List<WalRecord<byte[]>> records = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay(ReplayMode.STRICT);
            assertEquals(last + 1, records.size());
            for (int i = 0; i < records.size(); i++)
            {
                assertEquals(i + 1, records.get(i).entryId());
                assertArrayEquals(payload(i + 1), records.get(i).payload(), "entry " + (i + 1));
            }
        }
    }
}
