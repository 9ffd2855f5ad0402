package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.codec.Codec;
import io.durability.codec.DirectBufferCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every segment header records its codec's id (format 3); a writer or a decoding reader whose codec
 * has another non-zero id is refused before it reads an entry or changes a byte; codecs of id 0 read
 * and resume anything.
 */
class CodecIdTest
{
    private static final int A = 0x7E570001;
    private static final int B = 0x7E570002;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(512);

    private final MemoryDirectory dir = new MemoryDirectory();

    @AfterEach
    void close()
    {
        dir.close();
    }

    /** A byte[] codec that declares {@code id}. */
    static Codec<byte[]> bytesWithId(final int id)
    {
        return new Codec<>()
        {
            @Override
            public int encode(final byte[] value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
            {
                return BytesCodec.INSTANCE.encode(value, buffer, offset, maxLength);
            }

            @Override
            public byte[] decode(final DirectBuffer buffer, final int offset, final int length)
            {
                return BytesCodec.INSTANCE.decode(buffer, offset, length);
            }

            @Override
            public int id()
            {
                return id;
            }
        };
    }

    private static byte[] payload(final long i)
    {
        return ("entry-" + i).getBytes(StandardCharsets.US_ASCII);
    }

    /** A WAL of {@code n} entries in several segments, written with {@code codec}. */
    private void write(final Codec<byte[]> codec, final int n)
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, codec, OPTIONS))
        {
            for (int i = 1; i <= n; i++)
            {
                w.append(payload(i));
            }
            assertTrue(w.currentSegmentId() >= 3, "rolls: " + w.currentSegmentId());
        }
    }

    private int codecIdOf(final long segmentId)
    {
        final String path = WalLayout.segmentPath("wal", segmentId);
        return ByteBuffer.wrap(Damage.read(dir, path, 44, 48)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void everySegmentRecordsTheWritersCodecId()
    {
        write(bytesWithId(A), 60);
        final List<WalInspector.SegmentReport> reports = WalInspector.inspect(dir, OPTIONS);
        for (final WalInspector.SegmentReport r : reports)
        {
            assertEquals(A, codecIdOf(r.segmentId()), r.path());
            assertEquals(A, r.codecId());
            assertEquals(A, r.header().codecId());
            assertEquals(SegmentDescriptor.FORMAT_VERSION, r.header().version());
        }
        assertEquals(A, WalReader.recordedCodecId(dir, OPTIONS));
        assertEquals(60, new WalReader<>(dir, bytesWithId(A), OPTIONS).replay().size());
    }

    @Test
    void rawBytesCodecsRecordNone()
    {
        assertEquals(0, BytesCodec.INSTANCE.id());
        assertEquals(0, DirectBufferCodec.INSTANCE.id());
        assertEquals(1, WalEntryCodec.ID);
        assertEquals(WalEntryCodec.ID, WalEntryCodec.INSTANCE.id());
        assertEquals(0, WalReader.recordedCodecId(dir, OPTIONS), "an empty WAL records none");
        write(BytesCodec.INSTANCE, 60);
        for (final WalInspector.SegmentReport r : WalInspector.inspect(dir, OPTIONS))
        {
            assertEquals(0, r.codecId(), r.path());
        }
        assertEquals(0, WalReader.recordedCodecId(dir, OPTIONS));
        assertEquals(60, new WalReader<>(dir, bytesWithId(A), OPTIONS).replay().size(), "records none: any codec reads");
    }

    @Test
    void resumeWithAnotherCodecIsRefusedNamingTheFileAndChangesNothing()
    {
        write(bytesWithId(A), 60);
        // Leftover bytes of an uncommitted frame after the end of data: a resume would zero them.
        final long last = WalLayout.segmentIds(dir, "wal")[WalLayout.segmentIds(dir, "wal").length - 1];
        final String lastPath = WalLayout.segmentPath("wal", last);
        final int end = Damage.dataEnd(dir, lastPath, SegmentDescriptor.KIND_WAL_SEGMENT);
        Damage.write(dir, lastPath, end + 24, new byte[] {9, 9, 9, 9});
        final Map<String, byte[]> before = Damage.capture(dir, "wal");

        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, bytesWithId(B), OPTIONS));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
        assertEquals("wal/wal-1.seg", ex.file());
        assertEquals(SegmentDescriptor.CODEC_ID_OFFSET, ex.offset());
        assertEquals(String.valueOf(B), ex.expected());
        assertEquals(String.valueOf(A), ex.found());
        assertTrue(ex.getMessage().contains("another codec"), ex.getMessage());
        assertImageEquals(before, Damage.capture(dir, "wal"));

        // The lock was released, and the right codec resumes (and repairs) it.
        try (WalWriter<byte[]> w = WalWriter.resume(dir, bytesWithId(A), OPTIONS))
        {
            assertNotNull(w.repairReport().cut(), w.repairReport().describe());
            assertEquals(61, w.append(payload(61)));
        }
    }

    @Test
    void typedReplayWithAnotherCodecIsRefusedBeforeAnyEntry()
    {
        write(bytesWithId(A), 60);
        final WalReader<byte[]> reader = new WalReader<>(dir, bytesWithId(B), OPTIONS);
        final long[] delivered = {0};
        for (final ReplayMode mode : ReplayMode.values())
        {
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> reader.replayEach(mode, (id, entry) -> delivered[0]++));
            assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
            assertEquals("wal/wal-1.seg", ex.file());
            assertEquals(String.valueOf(B), ex.expected());
            assertEquals(String.valueOf(A), ex.found());
        }
        assertEquals(0, delivered[0], "nothing decoded with the wrong codec");
        assertThrows(DurabilityException.class, reader::replay);
        assertThrows(DurabilityException.class, reader::replayBestEffort);
        // What does not decode reads any WAL: frames, check, verify.
        assertEquals(60, reader.replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) -> { }));
        assertEquals(WalVerdict.State.CLEAN, reader.check().state());
        assertEquals(60, reader.verify(ReplayMode.STRICT).entries());
    }

    @Test
    void codecsOfId0ReadAndResumeAnything()
    {
        write(bytesWithId(A), 60);
        assertEquals(60, new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay().size());
        long next;
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            final long first = w.currentSegmentId();
            while (w.currentSegmentId() == first)
            {
                w.append(payload(w.nextEntryId()));
            }
            next = w.nextEntryId();
            assertEquals(0, codecIdOf(w.currentSegmentId()), "a segment created by a codec of id 0 records none");
        }
        // Segments that record none do not disagree with A.
        assertEquals(A, WalReader.recordedCodecId(dir, OPTIONS));
        try (WalWriter<byte[]> w = WalWriter.resume(dir, bytesWithId(A), OPTIONS))
        {
            assertEquals(next, w.nextEntryId());
        }
        assertEquals(next - 1, new WalReader<>(dir, bytesWithId(A), OPTIONS).replay().size());
        assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, bytesWithId(B), OPTIONS));
    }

    @Test
    void aDamagedCodecIdIsAHeaderCrcErrorNotAnotherCodec()
    {
        write(bytesWithId(A), 60);
        Damage.flipByte(dir, "wal/wal-1.seg", SegmentDescriptor.CODEC_ID_OFFSET + 1);
        final Map<String, byte[]> before = Damage.capture(dir, "wal");
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
        assertEquals(DurabilityException.Kind.CRC_MISMATCH, v.problem().kind());
        assertEquals("wal/wal-1.seg", v.problem().file());
        assertEquals(SegmentDescriptor.HEADER_CRC_OFFSET, v.problem().offset());
        for (final Codec<byte[]> codec : List.of(bytesWithId(A), BytesCodec.INSTANCE))
        {
            final DurabilityException replay = assertThrows(DurabilityException.class,
                () -> new WalReader<>(dir, codec, OPTIONS).replay());
            assertEquals(DurabilityException.Kind.CRC_MISMATCH, replay.kind(), replay.getMessage());
            final DurabilityException resume = assertThrows(DurabilityException.class,
                () -> WalWriter.resume(dir, codec, OPTIONS));
            assertEquals(DurabilityException.Kind.CRC_MISMATCH, resume.kind(), resume.getMessage());
        }
        // Another codec is refused on the headers that do read (segment 2 records A).
        final DurabilityException other = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, bytesWithId(B), OPTIONS));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, other.kind(), other.getMessage());
        assertEquals("wal/wal-2.seg", other.file());
        assertImageEquals(before, Damage.capture(dir, "wal"));
        assertNotNull(WalInspector.inspect(dir, OPTIONS).get(0).problem());
        assertEquals(0, WalInspector.inspect(dir, OPTIONS).get(0).codecId(), "a header that does not read records none");
    }

    @Test
    void segmentsThatRecordDifferentCodecsAreReportedAndRefused()
    {
        write(bytesWithId(A), 60);
        // A foreign segment 2 (another codec's id under a valid header CRC), as copying files could leave.
        final String path = "wal/wal-2.seg";
        final byte[] header = Damage.read(dir, path, 0, 64);
        final ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(44, B);
        final CRC32C crc = new CRC32C();
        crc.update(header, 0, 40);
        crc.update(header, 44, 4);
        b.putInt(40, (int)crc.getValue());
        Damage.write(dir, path, 0, header);
        assertEquals(WalVerdict.State.CLEAN, new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).check().state());

        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> WalReader.recordedCodecId(dir, OPTIONS));
        assertEquals(DurabilityException.Kind.FORMAT, ex.kind(), ex.getMessage());
        assertEquals(path, ex.file());
        assertEquals(String.valueOf(A), ex.expected());
        assertEquals(String.valueOf(B), ex.found());

        final DurabilityException resume = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, bytesWithId(A), OPTIONS));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, resume.kind());
        assertEquals(path, resume.file());
        assertEquals(String.valueOf(B), resume.found());
        assertEquals(60, new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay().size());
    }

    @Test
    void recoveryCheckDoesNotDecodeAWalOfAnotherCodec()
    {
        write(bytesWithId(A), 60);
        final io.durability.recover.RecoveryCheck check = io.durability.recover.RecoveryCheck.run(
            dir, OPTIONS, WalEntryCodec.INSTANCE, io.durability.recover.RecoveryManager::markerOf);
        assertEquals(WalVerdict.State.CLEAN, check.wal().state());
        assertFalse(check.markersChecked());
        assertTrue(check.notes().get(0).contains("record codec id " + A), check.notes().toString());
        final io.durability.recover.RecoveryCheck same = io.durability.recover.RecoveryCheck.run(
            dir, OPTIONS, bytesWithId(A), bytes -> null);
        assertTrue(same.markersChecked(), same.notes().toString());
    }

    private static void assertImageEquals(final Map<String, byte[]> expected, final Map<String, byte[]> actual)
    {
        assertEquals(expected.keySet(), actual.keySet());
        for (final Map.Entry<String, byte[]> e : expected.entrySet())
        {
            assertArrayEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
        }
    }
}
