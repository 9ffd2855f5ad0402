package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.testing.Damage;
import io.durability.testing.PowerLossDirectory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A sector written back while the writer was between a frame's payload and its commit word (a
 * background barrier, or the kernel's own write-back, copies the page at that instant), then later
 * sectors reaching the disk, is what a power cut leaves: a torn tail, not corruption (docs/FORMAT.md,
 * "Where a segment's frames stop"). The same zero commit word beside a header field that is none of
 * what the writer stores before it (another id, another salt, an unknown type) is damage, and so is any of it below the durable watermark.
 */
class FrameInProgressVerdictTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(256 * 1024).withSaltSeed(3);
    private static final String SEGMENT = WalLayout.segmentPath(OPTIONS.walDir(), 1);

    /** A WAL of 400 entries whose watermark covers only the first 10 (one barrier after them, one more to record it). */
    private static PowerLossDirectory wal()
    {
        final PowerLossDirectory dir = new PowerLossDirectory();
        final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
        for (long id = 1; id <= 400; id++)
        {
            w.append(payload(id));
            if (id == 10 || id == 11)
            {
                w.flushAndSync();
            }
        }
        // A process crash: the watermark stays where the second barrier put it, the rest is in the page cache.
        return dir.processCrash();
    }

    private static byte[] payload(final long id)
    {
        final byte[] b = new byte[150];
        for (int i = 0; i < b.length; i++)
        {
            b[i] = (byte)(1 + (id + i) % 250);
        }
        return b;
    }

    /** @return the frame of entry {@code id}, which starts at least 24 bytes before the end of its sector. */
    private static Damage.FrameSpan frame(final PowerLossDirectory dir, final long id)
    {
        final Damage.FrameSpan f = Damage.frames(dir, SEGMENT, SegmentDescriptor.KIND_WAL_SEGMENT).get((int)id - 1);
        assertEquals(id, f.entryId());
        return f;
    }

    /** The writer's state when the sector was copied: payload and some header fields written, no commit word. */
    private static void uncommit(final PowerLossDirectory dir, final Damage.FrameSpan f, final boolean keepHeader)
    {
        Damage.zero(dir, SEGMENT, f.offset(), f.offset() + 8);
        if (!keepHeader)
        {
            Damage.zero(dir, SEGMENT, f.offset() + 8, f.offset() + 24);
        }
        // Bytes after the frame in its sector were not written yet either.
        final int sectorEnd = (f.offset() / Damage.SECTOR + 1) * Damage.SECTOR;
        if (sectorEnd > f.offset() + f.length())
        {
            Damage.zero(dir, SEGMENT, f.offset() + ((f.length() + 7) & ~7), sectorEnd);
        }
    }

    private static long firstWithRoomInItsSector(final PowerLossDirectory dir, final long from)
    {
        for (long id = from; ; id++)
        {
            final Damage.FrameSpan f = frame(dir, id);
            if (f.offset() % Damage.SECTOR <= Damage.SECTOR - 24 - 8)
            {
                return id;
            }
        }
    }

    @Test
    void aFrameCaughtBeforeItsCommitWordIsATornTail()
    {
        for (final boolean keepHeader : new boolean[] {true, false})
        {
            final PowerLossDirectory dir = wal();
            final long id = firstWithRoomInItsSector(dir, 200);
            uncommit(dir, frame(dir, id), keepHeader);
            final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
            assertEquals(WalVerdict.State.TORN_TAIL, verdict.state(), verdict.describe());
            assertTrue(verdict.describe().contains(keepHeader ? "while that frame was being written" : "being written"),
                verdict.describe());
            final List<WalRecord<byte[]>> kept = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayBestEffort();
            assertEquals(id - 1, kept.size(), "best effort keeps everything before the frame in progress");
            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                assertEquals(id - 1, w.lastEntryId());
                assertTrue(w.repairReport().cutEntries());
            }
        }
    }

    @Test
    void aZeroCommitWordBesideAForeignHeaderFieldIsCorruption()
    {
        // id, type, salt: offset, width. (The flags field holds the length check of a length not yet
        // stored: in a segment this large every value is the check of some length that fits.)
        final int[][] fields = {{8, 8}, {16, 2}, {20, 4}};
        for (final int[] field : fields)
        {
            final PowerLossDirectory dir = wal();
            final long id = firstWithRoomInItsSector(dir, 200);
            final Damage.FrameSpan f = frame(dir, id);
            uncommit(dir, f, true);
            final byte[] foreign = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x5A5A_0000_0000_7777L).array();
            final byte[] value = java.util.Arrays.copyOf(foreign, field[1]);
            Damage.write(dir, SEGMENT, f.offset() + field[0], value);
            final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
            assertEquals(WalVerdict.State.CORRUPT, verdict.state(), "field at +" + field[0] + ": " + verdict.describe());
            assertTrue(verdict.describe().contains("a frame start was damaged"), verdict.describe());
        }
    }

    @Test
    void aFrameInProgressBelowTheWatermarkIsCorruption()
    {
        final PowerLossDirectory dir = wal();
        final long id = firstWithRoomInItsSector(dir, 2);
        assertTrue(id <= 9, "an entry the watermark covers: " + id);
        uncommit(dir, frame(dir, id), true);
        final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
        assertEquals(WalVerdict.State.CORRUPT, verdict.state(), verdict.describe());
    }
}
