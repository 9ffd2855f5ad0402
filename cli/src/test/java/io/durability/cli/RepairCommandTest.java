package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.SegmentFile;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.testing.Damage;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.TreeMap;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class RepairCommandTest
{
    @TempDir
    Path root;

    @Test
    void cutsATornTailSaysWhatItCutAndLeavesAStrictlyCleanWal()
    {
        TestWals.writeEntries(root, 250);
        final Damage.FrameSpan torn = TestWals.tearLastFrame(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().startsWith("repaired the WAL in " + root.resolve("wal") + ":\n"), r.out());
        final long kept = torn.entryId() - 1;
        assertTrue(r.out().contains("  before:  torn tail: best effort keeps 3 segments, " + kept + " entries (ids 1.." +
            kept + ")"), r.out());
        // Resume zeroes from the torn frame up to the last non-zero byte after it.
        assertTrue(r.out().contains("  cut:     wal/wal-3.seg at offset " + String.format("%,d", torn.offset()) +
            ": zeroed "), r.out());
        assertTrue(r.out().contains(" bytes [" + torn.offset() + ", "), r.out());
        assertTrue(r.out().contains("  after:   clean: 3 segments, " + kept + " entries (ids 1.." + kept +
            "); the next entry gets id " + (kept + 1)), r.out());
        assertFalse(r.out().contains("dropped:"), r.out());

        assertEquals(ExitCodes.OK, cli("verify", root.toString()).exit());
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, TestWals.options()))
        {
            assertEquals(torn.entryId(), w.nextEntryId(), "the cut entry's id is reused (it was never acknowledged)");
        }
    }

    @Test
    void dropsANeverInitializedFinalSegment()
    {
        TestWals.writeEntries(root, 100);
        final long[] ids = TestWals.segmentIds(root);
        final long next = ids[ids.length - 1] + 1;
        // What a writer that did not close leaves (the next segment named ahead), or a power cut after the
        // next segment's folder entry reached the disk but not its header: a zero-filled file after an
        // unsealed segment. The end of the WAL, clean; repair deletes the file.
        try (MmapDirectory dir = MmapDirectory.open(root);
            SegmentFile f = dir.createSegment(TestWals.segmentPath(next), TestWals.SEGMENT))
        {
            assertEquals(0, f.buffer().getLong(SegmentDescriptor.MAGIC_OFFSET));
        }
        final TestWals.Run verify = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, verify.exit(), verify.err());
        assertTrue(verify.out().contains("1 uninitialized final segment ignored"), verify.out());
        final TestWals.Run inspect = cli("inspect", root.toString());
        assertTrue(inspect.out().contains("named ahead (empty)"), inspect.out());
        assertFalse(inspect.out().contains("problem:"), inspect.out());
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().contains("  dropped: wal/wal-" + next + ".seg (never initialized: named ahead by a writer " +
            "that did not close, or its header never reached the disk)"), r.out());
        assertFalse(r.out().contains("cut:"), r.out());
        assertTrue(r.out().contains("  after:   clean: " + ids.length + " segments, 100 entries (ids 1..100)"), r.out());
        assertEquals(ids.length, TestWals.segmentIds(root).length);
    }

    @Test
    void cleanWalIsLeftUntouched()
    {
        TestWals.writeEntries(root, 250);
        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals("nothing to repair: clean: 3 segments, 250 entries (ids 1..250)", r.out().strip());
        assertEquals(before, TestWals.snapshot(root));
    }

    @Test
    void refusesCorruptionInANonFinalSegmentAndChangesNothing()
    {
        TestWals.writeEntries(root, 250);
        TestWals.flipInFrame(root, 1, 2);
        TestWals.tearLastFrame(root);
        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("durability: refusing to repair, nothing was changed: corrupt"), r.err());
        assertTrue(r.err().contains("file=wal/wal-1.seg"), r.err());
        assertEquals(before, TestWals.snapshot(root));
    }

    @Test
    void refusesWhileAWriterHoldsTheLock()
    {
        TestWals.writeEntries(root, 50);
        TestWals.tearLastFrame(root);
        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run r;
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<byte[]> live = WalWriter.resume(dir, BytesCodec.INSTANCE, TestWals.options()))
        {
            // resume already cut the tail; damage it again under the live writer's nose.
            TestWals.tearLastFrame(root);
            final TreeMap<String, String> underWriter = TestWals.snapshot(root);
            r = cli("repair", root.toString());
            assertEquals(underWriter, TestWals.snapshot(root), "nothing changed while the writer holds the lock");
            assertNotNull(live);
        }
        assertNotEquals(before, TestWals.snapshot(root));
        assertEquals(ExitCodes.LOCKED, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("durability: a writer holds the WAL lock; stop it first (nothing was changed): " +
            "LOCK_FAILED"), r.err());
    }

    @Test
    void repairNeverDecodesPayloads()
    {
        TestWals.writeRaw(root, 40);
        final Damage.FrameSpan torn = TestWals.tearLastFrame(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            assertEquals(torn.entryId() - 1,
                new WalReader<>(dir, BytesCodec.INSTANCE, TestWals.options()).verify(ReplayMode.STRICT).entries());
        }
    }

    @Test
    void notAWalIsRefused()
    {
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertTrue(r.err().startsWith("durability: not a WAL: no wal/ folder"), r.err());
    }

    @Test
    void case3ADamagedEntryOfACleanlyClosedWalIsRefusedNotCut()
    {
        // Every entry of a cleanly closed WAL is acknowledged (close makes them durable and records the
        // exact watermark): damage near its tail used to be cut as a "torn tail".
        TestWals.withWriter(root, io.durability.walog.WalEntryCodec.INSTANCE, w ->
        {
            for (long id = 1; id <= 2_000; id++)
            {
                w.append(TestWals.entry(id));
            }
        });
        final long[] ids = TestWals.segmentIds(root);
        TestWals.flipInFrame(root, ids[ids.length - 1], -3);
        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("refusing to repair, nothing was changed"), r.err());
        assertEquals(before, TestWals.snapshot(root), "repair changed files");
        assertEquals(ExitCodes.CORRUPT, cli("verify", root.toString(), "--best-effort").exit());
    }

    @Test
    void case2ADamagedCheckpointMarkerAfterAPublishIsRefusedNotCut()
    {
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<io.durability.walog.WalEntry> w = WalWriter.create(
                dir, io.durability.walog.WalEntryCodec.INSTANCE, TestWals.options()))
        {
            final io.durability.recover.SegmentIndexState state = new io.durability.recover.SegmentIndexState();
            for (long id = 1; id <= 400; id++)
            {
                w.append(new io.durability.walog.WalEntry.AddSegment(id, 3));
                state.putSegment(id, 3);
            }
            io.durability.publish.CheckpointPublisher.forSegmentIndex(dir, w).publish(state, w.lastEntryId());
        }
        final long[] ids = TestWals.segmentIds(root);
        assertTrue(ids[0] > 1, "the publish truncated the WAL");
        // The marker is the last frame; flip its last byte.
        TestWals.flipInFrame(root, ids[ids.length - 1], -1);
        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run r = cli("repair", root.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.out() + r.err());
        assertEquals(before, TestWals.snapshot(root), "repair changed files");
        final TestWals.Run v = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, v.exit(), v.err());
        assertTrue(v.err().contains("CRC_MISMATCH"), v.err());
    }
}
