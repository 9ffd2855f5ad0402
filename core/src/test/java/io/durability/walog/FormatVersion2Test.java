package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files of format version 2 (written by the build before format 3, pinned here as bytes: no codec id,
 * offset 44 reserved and outside the header CRC) are read, verified and continued: a resumed version-2
 * segment keeps its version-2 header, and the next segment is version 3 and records the writer's
 * codec id. A typed codec reads and resumes them (they record no codec).
 */
class FormatVersion2Test
{
    /**
     * wal-1.seg (256 bytes, salt seed 42, written by WalEntryCodec): AddSegment(101, 10) .. AddSegment(104, 40)
     * and a seal; trailing zeros omitted.
     */
    private static final String WAL_1 = "445552424c5345470200000001000000010000000000000001000000000000004eb4b7e200010000981d8e920000000040000000defb7b480000000000000000250000007e6ffa350100000000000000010080a54eb4b7e20165000000000000000a0000000000002500000019f88da00200000000000000010080a54eb4b7e201660000000000000014000000000000250000006ba7042f0300000000000000010080a54eb4b7e20167000000000000001e000000000000250000005777ec010400000000000000010080a54eb4b7e20168000000000000002800000000000018000000d4273ef305000000000000000200bda54eb4b7e2";
    /** wal-2.seg: AddSegment(105, 50), AddSegment(106, 60), not sealed; the exact watermark 144 of a close(). */
    private static final String WAL_2 = "445552424c534547020000000100000002000000000000000500000000000000a944343600010000d3d11776000000009000000075c0e6d3000000000000000025000000c13eb6660500000000000000010080a5a944343601690000000000000032000000000000250000009b18a51a0600000000000000010080a5a9443436016a000000000000003c000000000000";

    private static final int CAPACITY = 256;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(CAPACITY);

    private static MemoryDirectory version2Wal()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        dir.atomicWrite("wal/wal-1.seg", padded(WAL_1));
        dir.atomicWrite("wal/wal-2.seg", padded(WAL_2));
        return dir;
    }

    private static byte[] padded(final String hex)
    {
        final byte[] bytes = HexFormat.of().parseHex(hex);
        final byte[] file = new byte[CAPACITY];
        System.arraycopy(bytes, 0, file, 0, bytes.length);
        return file;
    }

    private static int intAt(final MemoryDirectory dir, final String path, final int offset)
    {
        return ByteBuffer.wrap(Damage.read(dir, path, offset, offset + 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static WalEntry entry(final long i)
    {
        return new WalEntry.AddSegment(100 + i, 10 * i);
    }

    @Test
    void version2FilesReplayStrictlyWithATypedCodecAndVerifyClean()
    {
        final MemoryDirectory dir = version2Wal();
        final List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE, OPTIONS).replay();
        assertEquals(6, records.size());
        for (int i = 0; i < 6; i++)
        {
            assertEquals(i + 1, records.get(i).entryId());
            assertEquals(entry(i + 1), records.get(i).payload());
        }
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
        assertEquals(WalVerdict.State.CLEAN, v.state(), v.describe());
        assertEquals(6, v.entries());
        for (final WalInspector.SegmentReport r : WalInspector.inspect(dir, OPTIONS))
        {
            assertNull(r.problem(), String.valueOf(r.problem()));
            assertEquals(2, r.header().version());
            assertEquals(0, r.codecId(), "version 2 records no codec");
        }
        assertEquals(0, WalReader.recordedCodecId(dir, OPTIONS));
        assertEquals(2, intAt(dir, "wal/wal-1.seg", SegmentDescriptor.VERSION_OFFSET));
    }

    @Test
    void aResumedVersion2SegmentKeepsItsHeaderAndTheNextSegmentIsVersion3WithTheCodecId()
    {
        final MemoryDirectory dir = version2Wal();
        final byte[] headerBefore = Damage.read(dir, "wal/wal-2.seg", 0, SegmentDescriptor.HEADER_LENGTH);
        try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, OPTIONS))
        {
            assertEquals(7, w.nextEntryId());
            assertFalse(w.repairReport().changedAnything(), w.repairReport().describe());
            for (int i = 7; i <= 12; i++)
            {
                assertEquals(i, w.append(entry(i)));
            }
            assertTrue(w.currentSegmentId() > 2);
        }
        // wal-2 is still a version-2 segment: only its watermark pair [48, 56) changed.
        final byte[] headerAfter = Damage.read(dir, "wal/wal-2.seg", 0, SegmentDescriptor.HEADER_LENGTH);
        assertArrayEquals(Arrays.copyOfRange(headerBefore, 0, 48), Arrays.copyOfRange(headerAfter, 0, 48));
        assertArrayEquals(Arrays.copyOfRange(headerBefore, 56, 64), Arrays.copyOfRange(headerAfter, 56, 64));
        assertEquals(2, intAt(dir, "wal/wal-2.seg", SegmentDescriptor.VERSION_OFFSET));
        assertEquals(0, intAt(dir, "wal/wal-2.seg", SegmentDescriptor.CODEC_ID_OFFSET));
        // The frames it appended to wal-2 are version-2 frames (the same in version 3): flags = length check.
        final Damage.FrameSpan appended = Damage.frames(dir, "wal/wal-2.seg", SegmentDescriptor.KIND_WAL_SEGMENT).get(2);
        assertEquals(7, appended.entryId());
        final int length = intAt(dir, "wal/wal-2.seg", appended.offset());
        assertEquals(FrameDescriptor.lengthCheck(length), ByteBuffer.wrap(
            Damage.read(dir, "wal/wal-2.seg", appended.offset() + 18, appended.offset() + 20))
            .order(ByteOrder.LITTLE_ENDIAN).getShort());

        assertEquals(SegmentDescriptor.FORMAT_VERSION, intAt(dir, "wal/wal-3.seg", SegmentDescriptor.VERSION_OFFSET));
        assertEquals(3, SegmentDescriptor.FORMAT_VERSION);
        assertEquals(WalEntryCodec.ID, intAt(dir, "wal/wal-3.seg", SegmentDescriptor.CODEC_ID_OFFSET));
        assertEquals(WalEntryCodec.ID, WalReader.recordedCodecId(dir, OPTIONS), "v2 segments record none: no disagreement");

        final List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE, OPTIONS).replay();
        assertEquals(12, records.size());
        for (int i = 0; i < 12; i++)
        {
            assertEquals(entry(i + 1), records.get(i).payload());
        }
        assertEquals(WalVerdict.State.CLEAN, new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check().state());
    }

    @Test
    void anyCodecResumesAVersion2WalAndItsNewSegmentRecordsThatCodec()
    {
        final MemoryDirectory dir = version2Wal();
        try (WalWriter<byte[]> w = WalWriter.resume(dir, CodecIdTest.bytesWithId(0x7E570001), OPTIONS))
        {
            while (w.currentSegmentId() < 3)
            {
                w.append(new byte[] {1, 2, 3});
            }
        }
        assertEquals(0x7E570001, intAt(dir, "wal/wal-3.seg", SegmentDescriptor.CODEC_ID_OFFSET));
        // From now on the WAL says which codec wrote its newest part: a WalEntryCodec reader is refused.
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> new WalReader<>(dir, WalEntryCodec.INSTANCE, OPTIONS).replay());
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
        assertEquals("wal/wal-3.seg", ex.file());
    }

    @Test
    void damageToAVersion2FrameIsStillCorruptionWhenNoSectorIsZero()
    {
        final MemoryDirectory dir = version2Wal();
        Damage.flipByte(dir, "wal/wal-1.seg", 64 + 26);
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
    }

    @Test
    void aNonZeroReservedIntAt44OfAVersion2HeaderIsCorruption()
    {
        final MemoryDirectory dir = version2Wal();
        Damage.write(dir, "wal/wal-1.seg", SegmentDescriptor.CODEC_ID_OFFSET, new byte[] {1, 0, 0, 0});
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
        assertEquals(DurabilityException.Kind.FORMAT, v.problem().kind());
        assertEquals(SegmentDescriptor.CODEC_ID_OFFSET, v.problem().offset());
    }
}
