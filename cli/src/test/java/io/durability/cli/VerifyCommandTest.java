package io.durability.cli;

import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class VerifyCommandTest
{
    private final Path root = TestWals.newFolder();

    @AfterEach
    void deleteFolder()
    {
        TestWals.delete(root);
    }

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
        assertTrue(r.err().startsWith("durability: torn tail: best effort keeps 3 segments, 249 entries (ids 1..249)"),
            r.err());
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
}
