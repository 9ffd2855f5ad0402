package io.durability.cli;

import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.RecoveryManager;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class CheckpointShowCommandTest
{
    @TempDir
    Path root;
    private Path checkpoint;

    @BeforeEach
    void publishACheckpoint()
    {
        final PublishResult published;
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, TestWals.options()))
        {
            for (long id = 1; id <= 40; id++)
            {
                w.append(TestWals.entry(id));
            }
            published = CheckpointPublisher.forSegmentIndex(dir, w)
                .publish(new RecoveryManager(dir, TestWals.options()).recoverLatest().state(), 40);
        }
        checkpoint = root.resolve(published.checkpointPath());
    }

    @Test
    void showsHeaderFieldsAndCrcChecks() throws IOException
    {
        final TestWals.Run r = cli("checkpoint", "show", checkpoint.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final long size = Files.size(checkpoint);
        final List<String> lines = r.lines();
        assertEquals("checkpoint      " + checkpoint, lines.get(0));
        assertEquals("format version  1", lines.get(1));
        assertEquals("last applied id 40", lines.get(2));
        assertEquals("payload         " + (size - 40) + " bytes (file " + size + " bytes, header 40)", lines.get(3));
        assertTrue(lines.get(4).matches("payload CRC32C  0x[0-9a-f]{8} ok"), lines.get(4));
        assertEquals("header CRC32C   ok", lines.get(5));
    }

    @Test
    void damagedPayloadFailsTheCrcCheckWithExitFour() throws IOException
    {
        try (RandomAccessFile f = new RandomAccessFile(checkpoint.toFile(), "rw"))
        {
            f.seek(f.length() - 1);
            final int b = f.read();
            f.seek(f.length() - 1);
            f.write(b ^ 0x5A);
        }
        final TestWals.Run r = cli("checkpoint", "show", checkpoint.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("fails its checks: CRC_MISMATCH: checkpoint payload CRC mismatch (corrupt)"), r.err());
        assertTrue(r.err().contains("offset=40"), r.err());
    }

    @Test
    void notACheckpointIsRejected() throws IOException
    {
        final Path other = root.resolve("notes.chk");
        Files.writeString(other, "x".repeat(100));
        final TestWals.Run r = cli("checkpoint", "show", other.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit());
        assertTrue(r.err().contains("not a checkpoint file (bad magic)"), r.err());
    }

    @Test
    void missingFileIsNotFound()
    {
        final Path missing = root.resolve("checkpoints/none.chk");
        final TestWals.Run r = cli("checkpoint", "show", missing.toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertEquals("durability: no such checkpoint file: " + missing, r.err().strip());
    }

    @Test
    void checkpointWithoutSubcommandIsBadUsage()
    {
        final TestWals.Run r = cli("checkpoint");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("show"), r.err());
    }
}
