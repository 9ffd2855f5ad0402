package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files of format version 1 (written by the build before format 2, pinned here as bytes) are read,
 * verified and continued: a resumed version-1 segment keeps writing version-1 frames, and the next
 * segment is of the current version (3). Versions this build does not know are refused clearly.
 */
class FormatVersion1Test
{
    /** wal-1.seg (192 bytes, salt seed 42): entries "entry-1".."entry-3" and a seal; trailing zeros omitted. */
    private static final String WAL_1 = "445552424c5345470100000001000000010000000000000001000000000000004eb4b7e2c0000000636822880000000040000000defb7b4800000000000000001f000000b199c1a50100000000000000010000004eb4b7e2656e7472792d31001f0000000d7ae5280200000000000000010000004eb4b7e2656e7472792d32001f00000036095daf0300000000000000010000004eb4b7e2656e7472792d330018000000294e5fc80400000000000000020000004eb4b7e2";
    /** wal-2.seg: entries "entry-4", "entry-5", not sealed (the writer was closed; format 1 wrote no exact watermark). */
    private static final String WAL_2 = "445552424c534547010000000100000002000000000000000400000000000000a9443436c0000000d6a9b79e00000000400000009794917900000000000000001f000000d3657c12040000000000000001000000a9443436656e7472792d34001f000000e816c495050000000000000001000000a9443436656e7472792d35";

    private static MemoryDirectory version1Wal()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        dir.atomicWrite("wal/wal-1.seg", padded(WAL_1));
        dir.atomicWrite("wal/wal-2.seg", padded(WAL_2));
        return dir;
    }

    private static byte[] padded(final String hex)
    {
        final byte[] bytes = HexFormat.of().parseHex(hex);
        final byte[] file = new byte[192];
        System.arraycopy(bytes, 0, file, 0, bytes.length);
        return file;
    }

    private static String text(final byte[] b)
    {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void version1FilesReplayStrictlyAndVerifyClean()
    {
        final MemoryDirectory dir = version1Wal();
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(192);
        final List<WalRecord<byte[]>> records = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay();
        assertEquals(5, records.size());
        for (int i = 0; i < 5; i++)
        {
            assertEquals(i + 1, records.get(i).entryId());
            assertEquals("entry-" + (i + 1), text(records.get(i).payload()));
        }
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, options).check();
        assertEquals(WalVerdict.State.CLEAN, v.state(), v.describe());
        assertEquals(1, Damage.read(dir, "wal/wal-1.seg", SegmentDescriptor.VERSION_OFFSET, 12)[0]);
    }

    @Test
    void aResumedVersion1SegmentKeepsItsFormatAndTheNextSegmentIsTheCurrentVersion()
    {
        final MemoryDirectory dir = version1Wal();
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(192);
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options))
        {
            assertEquals(6, w.nextEntryId());
            assertFalse(w.repairReport().changedAnything(), w.repairReport().describe());
            for (int i = 6; i <= 12; i++)
            {
                assertEquals(i, w.append(("entry-" + i).getBytes(StandardCharsets.US_ASCII)));
            }
            assertTrue(w.currentSegmentId() > 2);
        }
        assertEquals(1, Damage.read(dir, "wal/wal-2.seg", SegmentDescriptor.VERSION_OFFSET, 12)[0]);
        assertEquals(SegmentDescriptor.FORMAT_VERSION, Damage.read(dir, "wal/wal-3.seg", SegmentDescriptor.VERSION_OFFSET, 12)[0]);
        final List<WalRecord<byte[]>> records = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay();
        assertEquals(12, records.size());
        for (int i = 0; i < 12; i++)
        {
            assertEquals("entry-" + (i + 1), text(records.get(i).payload()));
        }
    }

    @Test
    void damageToAVersion1FrameIsStillCorruptionWhenNoSectorIsZero()
    {
        final MemoryDirectory dir = version1Wal();
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(192);
        Damage.flipByte(dir, "wal/wal-1.seg", 64 + 26);
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, options).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
    }

    @Test
    void anUnknownVersionIsRefusedNamingTheVersionsThisBuildReads()
    {
        final MemoryDirectory dir = version1Wal();
        Damage.write(dir, "wal/wal-1.seg", SegmentDescriptor.VERSION_OFFSET, new byte[] {9, 0, 0, 0});
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> new WalReader<>(dir, BytesCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(192)).replay());
        assertEquals(DurabilityException.Kind.FORMAT, ex.kind());
        assertEquals("1..3", ex.expected());
        assertEquals("9", ex.found());
        assertTrue(ex.getMessage().contains("reads versions 1 to 3"), ex.getMessage());
    }
}
