package io.durability.internal.frame;

import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/** Pins docs/FORMAT.md: the bytes the appender writes, checked independently of the reader. */
class FrameLayoutTest
{
    @Test
    void segmentHeaderAndFrameBytesMatchTheDocumentedLayout()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("s", 256))
        {
            final SegmentAppender a = SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 3, 40, 0x12345678);
            final byte[] payload = "hello".getBytes(StandardCharsets.US_ASCII);
            final int frame = a.claim(payload.length);
            assertEquals(64, frame);
            f.buffer().putBytes(SegmentAppender.payloadOffset(frame), payload);
            assertEquals(40, a.commit(frame, payload.length));
            assertEquals(64 + 32, a.tail(), "24 + 5 = 29 bytes, aligned to 32");

            final ByteBuffer b = f.byteBuffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            final byte[] magic = new byte[8];
            b.get(0, magic);
            assertEquals("DURBLSEG", new String(magic, StandardCharsets.US_ASCII));
            assertEquals(3, b.getInt(8), "format version 3");
            assertEquals(1, b.getInt(12));
            assertEquals(3, b.getLong(16));
            assertEquals(40, b.getLong(24));
            assertEquals(0x12345678, b.getInt(32));
            assertEquals(256, b.getInt(36));
            assertEquals(headerCrc(b), b.getInt(40), "format 3: the header CRC covers [0, 40) then [44, 48)");
            assertNotEquals(crc(b, 0, 40), b.getInt(40), "the codec id's four bytes are in the CRC even when 0");
            assertEquals(0, b.getInt(44), "codec id 0: none recorded");
            assertEquals(0, b.getInt(48));
            assertEquals(0, b.getLong(56));

            assertEquals(29, b.getInt(64));
            assertEquals(40, b.getLong(72));
            assertEquals(1, b.getShort(80));
            assertEquals(FrameDescriptor.lengthCheck(29), b.getShort(82), "format 2: flags hold the length check");
            assertEquals((short)(29 ^ 0xA5A5), b.getShort(82), "the check of a length below 65536 is length ^ 0xA5A5");
            assertEquals(0x12345678, b.getInt(84));
            assertEquals(crc(b, 72, 29 - 8), b.getInt(68));
            assertEquals('h', b.get(88));
            assertEquals(0, b.getInt(96), "next slot: zero length = end of data");

            a.seal();
            assertEquals(24, b.getInt(96));
            assertEquals(41, b.getLong(104), "seal carries the next entry id");
            assertEquals(FrameDescriptor.TYPE_SEAL, b.getShort(112));
        }
    }

    /** The 64 header bytes of segment 3 (start id 40, salt 0x12345678, 256 bytes, codec id 0x0A0B0C0D), pinned. */
    private static final String V3_HEADER =
        "445552424c534547" + "03000000" + "01000000" + "0300000000000000" + "2800000000000000" + "78563412" +
        "00010000" + "%s" + "0d0c0b0a" + "00000000" + "%s" + "0000000000000000";

    @Test
    void aVersion3HeaderRecordsTheCodecIdAtOffset44UnderTheHeaderCrc()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("s", 256))
        {
            SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 3, 40, 0x12345678, 0x0A0B0C0D);
            final ByteBuffer b = f.byteBuffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x0A0B0C0D, b.getInt(44));
            final int headerCrc = headerCrc(b);
            assertEquals(headerCrc, b.getInt(40));
            final int watermarkCheck = crc(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0)
                .putInt(4, 0x12345678), 0, 8);
            final byte[] header = new byte[64];
            b.get(0, header);
            assertEquals(String.format(V3_HEADER, hex(headerCrc), hex(watermarkCheck)),
                java.util.HexFormat.of().formatHex(header));
            assertEquals("01292d72", hex(headerCrc), "the header CRC, pinned");

            final Crc32cRange range = new Crc32cRange();
            range.wrap(f.byteBuffer());
            final SegmentHeader h = SegmentHeader.read(f.buffer(), range, "s", SegmentDescriptor.KIND_WAL_SEGMENT);
            assertEquals(3, h.version());
            assertEquals(0x0A0B0C0D, h.codecId());

            // A damaged codec id is a header CRC error, never another codec's id.
            for (int bit = 0; bit < 32; bit++)
            {
                f.buffer().putInt(44, 0x0A0B0C0D ^ (1 << bit));
                final io.durability.storage.DurabilityException ex = assertThrows(
                    io.durability.storage.DurabilityException.class,
                    () -> SegmentHeader.read(f.buffer(), range, "s", SegmentDescriptor.KIND_WAL_SEGMENT));
                assertEquals(io.durability.storage.DurabilityException.Kind.CRC_MISMATCH, ex.kind(), ex.getMessage());
                assertEquals(40, ex.offset());
            }
        }
    }

    @Test
    void inVersions1And2Offset44IsReservedAndOutsideTheHeaderCrc()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("s", 256))
        {
            SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 1, 1, 77);
            // Rewrite the header as version 2: CRC over [0, 40) only.
            f.buffer().putInt(8, 2);
            final ByteBuffer b = f.byteBuffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            f.buffer().putInt(40, crc(b, 0, 40));
            final Crc32cRange range = new Crc32cRange();
            range.wrap(f.byteBuffer());
            final SegmentHeader h = SegmentHeader.read(f.buffer(), range, "s", SegmentDescriptor.KIND_WAL_SEGMENT);
            assertEquals(2, h.version());
            assertEquals(0, h.codecId(), "versions 1 and 2 record no codec");
            f.buffer().putInt(44, 5);
            final io.durability.storage.DurabilityException ex = assertThrows(
                io.durability.storage.DurabilityException.class,
                () -> SegmentHeader.read(f.buffer(), range, "s", SegmentDescriptor.KIND_WAL_SEGMENT));
            assertEquals(io.durability.storage.DurabilityException.Kind.FORMAT, ex.kind(), ex.getMessage());
            assertEquals(44, ex.offset());
            assertTrue(ex.getMessage().contains("reserved"), ex.getMessage());
        }
    }

    private static String hex(final int value)
    {
        return java.util.HexFormat.of().formatHex(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value).array());
    }

    /** CRC32C of bytes [0, 40) then [44, 48), computed independently of Crc32cRange. */
    private static int headerCrc(final ByteBuffer b)
    {
        final CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(0).limit(40));
        crc.update(b.duplicate().position(44).limit(48));
        return (int)crc.getValue();
    }

    @Test
    void uncommittedFrameReadsAsEndOfData()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("s", 256))
        {
            final SegmentAppender a = SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 1, 1, 99);
            final int frame = a.claim(8);
            f.buffer().putLong(SegmentAppender.payloadOffset(frame), -1L);
            final FrameCursor c = new FrameCursor().wrap(f.buffer(), f.byteBuffer(), "s", 256, 99, 1);
            assertEquals(FrameCursor.END, c.next(), "payload written, length not yet stored");
            a.commit(frame, 8);
            final FrameCursor c2 = new FrameCursor().wrap(f.buffer(), f.byteBuffer(), "s", 256, 99, 1);
            assertEquals(FrameCursor.FRAME, c2.next());
            assertEquals(FrameCursor.END, c2.next());
        }
    }

    @Test
    void frameFromAnotherLifeOfTheFileIsEndOfData()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("s", 256))
        {
            final SegmentAppender a = SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 1, 1, 1111);
            a.commit(a.claim(0), 0);
            final FrameCursor c = new FrameCursor().wrap(f.buffer(), f.byteBuffer(), "s", 256, 2222, 1);
            assertEquals(FrameCursor.END, c.next(), "a valid frame with another salt is stale, not data");
        }
    }

    @Test
    void alignment()
    {
        assertEquals(24, FrameDescriptor.align(24));
        assertEquals(32, FrameDescriptor.align(25));
        assertEquals(32, FrameDescriptor.align(32));
    }

    private static int crc(final ByteBuffer b, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(offset).limit(offset + length));
        return (int)crc.getValue();
    }
}
