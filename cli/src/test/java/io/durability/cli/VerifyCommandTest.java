package io.durability.cli;

import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class VerifyCommandTest
{
    @TempDir
    Path root;

    @Test
    void cleanWalExitsZeroWithASummary()
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run r = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("clean: 3 segments, 250 entries (ids 1..250)", r.out().strip());
        assertEquals("", r.err());
    }

    @Test
    void tornTailExitsThreeNamingFileAndOffset()
    {
        TestWals.writeEntries(root, 250);
        final Damage.FrameSpan torn = TestWals.tearLastFrame(root);
        final TestWals.Run r = cli("verify", root.toString());
        assertEquals(ExitCodes.TORN_TAIL, r.exit());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        final long kept = torn.entryId() - 1;
        assertTrue(r.err().startsWith("durability: torn tail: best effort keeps 3 segments, " + kept + " entries (ids 1.." +
            kept + ")"), r.err());
        assertTrue(r.err().contains("file=wal/wal-3.seg, offset=" + torn.offset()), r.err());
        assertTrue(r.err().contains("durability repair"), r.err());
    }

    @Test
    void bestEffortAcceptsATornTailButReportsIt()
    {
        TestWals.writeEntries(root, 250);
        TestWals.tearLastFrame(root);
        final TestWals.Run r = cli("verify", root.toString(), "--best-effort");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().startsWith("accepted with --best-effort: torn tail: best effort keeps"), r.out());
        assertTrue(r.out().contains("wal/wal-3.seg"), r.out());
    }

    @Test
    void corruptionInANonFinalSegmentExitsFourEvenWithBestEffort()
    {
        TestWals.writeEntries(root, 250);
        final Damage.FrameSpan bad = TestWals.flipInFrame(root, 1, 3);
        for (final String[] args : new String[][] {{"verify", root.toString()}, {"verify", root.toString(), "--best-effort"}})
        {
            final TestWals.Run r = cli(args);
            assertEquals(ExitCodes.CORRUPT, r.exit(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("durability: corrupt"), r.err());
            assertTrue(r.err().contains("file=wal/wal-1.seg, offset=" + bad.offset()), r.err());
        }
    }

    @Test
    void emptyWalFolderIsClean() throws IOException
    {
        Files.createDirectories(root.resolve("wal"));
        final TestWals.Run r = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("clean: 0 segments, no entries", r.out().strip());
    }

    @Test
    void folderWithoutWalIsNotAWalAndIsLeftAlone()
    {
        final TestWals.Run r = cli("verify", root.toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertEquals("durability: not a WAL: no wal/ folder in " + root, r.err().strip());
        assertFalse(Files.exists(root.resolve("wal")), "a check must not create the WAL folder");
    }

    @Test
    void missingFolderIsNotCreated()
    {
        final Path missing = root.resolve("missing");
        final TestWals.Run r = cli("verify", missing.toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertEquals("durability: not a folder: " + missing, r.err().strip());
        assertFalse(Files.exists(missing));
    }

    @Test
    void randomBytesNamedLikeASegmentAreCorruptNotACrash() throws IOException
    {
        final byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        Files.createDirectories(root.resolve("wal"));
        Files.write(root.resolve("wal/wal-1.seg"), noise);
        final TestWals.Run r = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("file=wal/wal-1.seg, offset=0"), r.err());
    }

    @Test
    void walDirOptionReadsAnotherFolder() throws IOException
    {
        TestWals.writeEntries(root, 20);
        Files.move(root.resolve("wal"), root.resolve("log"));
        assertEquals(ExitCodes.NOT_FOUND, cli("verify", root.toString()).exit());
        final TestWals.Run r = cli("verify", root.toString(), "--wal-dir", "log");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("clean: 1 segment, 20 entries (ids 1..20)", r.out().strip());
    }

    /** A WalEntry WAL with a published checkpoint (covered segments truncated), cleanly closed. @return its path. */
    private String publish()
    {
        try (io.durability.storage.mmap.MmapDirectory dir = io.durability.storage.mmap.MmapDirectory.open(root);
            io.durability.walog.WalWriter<io.durability.walog.WalEntry> w = io.durability.walog.WalWriter.create(
                dir, io.durability.walog.WalEntryCodec.INSTANCE, TestWals.options()))
        {
            final io.durability.recover.SegmentIndexState state = new io.durability.recover.SegmentIndexState();
            for (long id = 1; id <= 400; id++)
            {
                w.append(new io.durability.walog.WalEntry.AddSegment(id, 3));
                state.putSegment(id, 3);
            }
            final String path = io.durability.publish.CheckpointPublisher.forSegmentIndex(dir, w)
                .publish(state, w.lastEntryId()).checkpointPath();
            w.append(new io.durability.walog.WalEntry.AddSegment(401, 3));
            return path;
        }
    }

    @Test
    void case8ACorruptNewestCheckpointMakesVerifyAndInspectSayCorrupt() throws IOException
    {
        final String checkpoint = publish();
        assertEquals(ExitCodes.OK, cli("verify", root.toString()).exit());
        final Path file = root.resolve(checkpoint);
        final byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(file, bytes);

        final TestWals.Run v = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, v.exit(), v.out() + v.err());
        assertTrue(v.out().startsWith("clean: "), "the frames are intact: " + v.out());
        assertTrue(v.err().contains("the WAL reads, but recovery fails: CRC_MISMATCH"), v.err());
        assertTrue(v.err().contains(checkpoint), v.err());
        assertTrue(v.err().contains("best-effort recovery fails too"), v.err());

        final TestWals.Run i = cli("inspect", root.toString());
        assertEquals(ExitCodes.CORRUPT, i.exit(), i.out());
        assertTrue(i.out().contains("verdict: corrupt: the WAL reads, but recovery fails"), i.out());
    }

    @Test
    void case8AMissingCheckpointAfterTruncationIsUnrecoverable() throws IOException
    {
        final String checkpoint = publish();
        Files.delete(root.resolve(checkpoint));
        final TestWals.Run v = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, v.exit(), v.out() + v.err());
        assertTrue(v.err().contains("no longer starts at entry 1"), v.err());
        assertTrue(v.err().contains("does not exist"), v.err());
    }

    @Test
    void aHealthyCheckpointIsNamedByVerify()
    {
        final String checkpoint = publish();
        final TestWals.Run v = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, v.exit(), v.err());
        assertTrue(v.out().contains("recovery works: from " + checkpoint + " plus the WAL"), v.out());
    }
}
