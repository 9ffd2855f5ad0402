package io.durability.cli;

import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.RecoveryManager;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalWriter;
import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest
{
    @TempDir
    Path root;

    @Test
    void reportsEverySegmentWithContiguousIdsSealsAndTheFinalOne()
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final List<String> lines = r.lines();
        assertEquals("WAL " + root.resolve("wal") + ": 3 segment files, 12.0 KiB; codec: WalEntry (id 1)", lines.get(0));
        assertTrue(lines.get(1).contains("segment") && lines.get(1).contains("watermark"), lines.get(1));
        final String[] s1 = lines.get(2).trim().split("\\s+");
        final String[] s2 = lines.get(3).trim().split("\\s+");
        final String[] s3 = lines.get(4).trim().split("\\s+");
        assertEquals("1", s1[0]);
        assertTrue(s1[1].startsWith("1.."), s1[1]);
        assertEquals("sealed", s1[7]);
        final long end1 = Long.parseLong(s1[1].substring(3));
        assertEquals((end1 + 1) + "..", s2[1].substring(0, s2[1].indexOf("..") + 2), "ids continue across segments");
        assertEquals("sealed", s2[7]);
        assertEquals("3", s3[0]);
        assertTrue(s3[1].endsWith("..250"), s3[1]);
        assertEquals("final", s3[7]);
        assertTrue(lines.get(4).contains("/ 4,096 ("), lines.get(4));
        assertTrue(r.out().contains("checkpoints: none"), r.out());
        assertTrue(r.out().contains("checkpoint marker: none in 250 entries"), r.out());
        assertEquals("verdict: clean: 3 segments, 250 entries (ids 1..250)", lines.get(lines.size() - 1));
    }

    @Test
    void showsPublishedCheckpointAndTheMarkerThatNamesIt()
    {
        final PublishResult published;
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, TestWals.options()))
        {
            for (long id = 1; id <= 120; id++)
            {
                w.append(TestWals.entry(id));
            }
            published = CheckpointPublisher.forSegmentIndex(dir, w)
                .publish(new RecoveryManager(dir, TestWals.options()).recoverLatest().state(), 120);
        }
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().contains("checkpoints: 1\n  " + published.checkpointPath() + ": last applied id 120, payload "),
            r.out());
        assertTrue(r.out().contains("CRCs ok"), r.out());
        assertTrue(r.out().contains("checkpoint marker: entry " + published.markerEntryId() + " names " +
            published.checkpointPath() + " (through entry 120)"), r.out());
    }

    @Test
    void aCorruptCheckpointFileIsReportedNotFatal() throws IOException
    {
        TestWals.writeEntries(root, 10);
        Files.createDirectories(root.resolve("checkpoints"));
        Files.writeString(root.resolve("checkpoints/broken.chk"), "not a checkpoint at all, but long enough to have a header");
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().contains("checkpoints/broken.chk: PROBLEM: FORMAT: not a checkpoint file (bad magic)"), r.out());
    }

    @Test
    void rawWalSaysEntriesAreNotWalEntryDecodable()
    {
        TestWals.writeRaw(root, 30);
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().contains("checkpoint marker: unknown: the entries do not decode as this entry type"), r.out());
        assertTrue(r.out().contains("verdict: clean: 1 segment, 30 entries (ids 1..30)"), r.out());
    }

    @Test
    void tornTailIsLabelledOnItsSegmentAndInTheVerdict()
    {
        TestWals.writeEntries(root, 250);
        final Damage.FrameSpan torn = TestWals.tearLastFrame(root);
        final int offset = torn.offset();
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.TORN_TAIL, r.exit(), r.err());
        assertTrue(r.out().contains("torn tail: "), r.out());
        assertTrue(r.out().contains("(torn write: a sector of the frame reads as zeros) [file=wal/wal-3.seg, offset=" + offset) ||
            r.out().contains("[file=wal/wal-3.seg, offset=" + (offset + 18)), r.out());
        final long kept = torn.entryId() - 1;
        assertTrue(r.out().contains("verdict: torn tail: best effort keeps 3 segments, " + kept + " entries (ids 1.." + kept +
            ")"), r.out());
    }

    @Test
    void corruptNonFinalSegmentShowsTheProblemAndExitsFour()
    {
        TestWals.writeEntries(root, 250);
        final int offset = TestWals.flipInFrame(root, 2, 0).offset();
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.err());
        assertTrue(r.out().contains("problem: CRC_MISMATCH: frame CRC mismatch (no all-zero sector in the frame, so not " +
            "a torn write) [file=wal/wal-2.seg, offset=" + offset), r.out());
        assertTrue(r.out().contains("NOT SEALED"), "segment 2 is read only up to its bad frame: " + r.out());
        assertTrue(r.out().contains("verdict: corrupt"), r.out());
    }

    @Test
    void notAWalSegmentShowsABadHeader() throws IOException
    {
        Files.createDirectories(root.resolve("wal"));
        Files.writeString(root.resolve("wal/wal-1.seg"), "hello, I am not a segment".repeat(10));
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.err());
        assertTrue(r.out().contains("bad header"), r.out());
        assertTrue(r.out().contains("problem: FORMAT"), r.out());
        assertTrue(r.out().contains("file=wal/wal-1.seg, offset=0"), r.out());
    }

    @Test
    void emptyWalFolderSaysSo() throws IOException
    {
        Files.createDirectories(root.resolve("wal"));
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(List.of(
            "WAL " + root.resolve("wal") + ": 0 segment files, 0 B; codec: none recorded (raw bytes, or a WAL of format 1 or 2)",
            "checkpoints: none",
            "checkpoint marker: none (the WAL is empty)",
            "verdict: clean: 0 segments, no entries"), r.lines());
    }

    @Test
    void folderWithoutWalIsNotAWal()
    {
        final TestWals.Run r = cli("inspect", root.toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertEquals("durability: not a WAL: no wal/ folder in " + root, r.err().strip());
        assertFalse(Files.exists(root.resolve("wal")));
    }
}
