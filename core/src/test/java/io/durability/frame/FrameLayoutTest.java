package io.durability.frame;

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
            assertEquals(2, b.getInt(8), "format version 2");
            assertEquals(1, b.getInt(12));
            assertEquals(3, b.getLong(16));
            assertEquals(40, b.getLong(24));
            assertEquals(0x12345678, b.getInt(32));
            assertEquals(256, b.getInt(36));
            assertEquals(crc(b, 0, 40), b.getInt(40));
            assertEquals(0, b.getInt(44));
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
