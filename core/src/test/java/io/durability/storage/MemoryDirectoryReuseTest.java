package io.durability.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Segment memory of files that are gone is reused, never while a handle can still read it (issue 14). */
class MemoryDirectoryReuseTest
{
    private static final int CAPACITY = 1 << 16;

    @Test
    void aDeletedClosedSegmentsMemoryIsReusedZeroed()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        final long address;
        try (SegmentFile a = dir.createSegment("wal/a.seg", CAPACITY))
        {
            a.buffer().setMemory(0, CAPACITY, (byte)0x5A);
            address = a.buffer().addressOffset();
        }
        dir.delete("wal/a.seg");
        try (SegmentFile b = dir.createSegment("wal/b.seg", CAPACITY))
        {
            assertEquals(address, b.buffer().addressOffset(), "the memory of the deleted segment was reused");
            for (int i = 0; i < CAPACITY; i += 8)
            {
                assertEquals(0L, b.buffer().getLong(i), "a reused segment reads as zeros at " + i);
            }
        }
        try (SegmentFile c = dir.createSegment("wal/c.seg", CAPACITY * 2))
        {
            assertNotEquals(address, c.buffer().addressOffset(), "only a buffer of the same capacity is reused");
        }
    }

    @Test
    void anOpenHandleKeepsTheBytesOfADeletedSegment()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile a = dir.createSegment("wal/a.seg", CAPACITY))
        {
            a.buffer().putLong(128, 0x1122334455667788L);
        }
        final SegmentFile reader = dir.openSegment("wal/a.seg", false);
        dir.delete("wal/a.seg");
        try (SegmentFile b = dir.createSegment("wal/b.seg", CAPACITY))
        {
            assertNotEquals(reader.buffer().addressOffset(), b.buffer().addressOffset(), "not reused while open");
            b.buffer().setMemory(0, CAPACITY, (byte)1);
            assertEquals(0x1122334455667788L, reader.buffer().getLong(128));
        }
        reader.close();
        assertEquals(0, reader.buffer().capacity(), "a closed handle reads nothing");
        assertEquals(0, reader.byteBuffer().capacity());
        try (SegmentFile c = dir.createSegment("wal/c.seg", CAPACITY))
        {
            assertEquals(0L, c.buffer().getLong(128), "the last close freed the memory, zeroed on reuse");
        }
    }

    @Test
    void replacedAndTruncatedSegmentsFreeTheirMemoryAndLiveOnesNever()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        long live;
        try (SegmentFile a = dir.createSegment("wal/a.seg", CAPACITY))
        {
            live = a.buffer().addressOffset();
        }
        // Still in the namespace: never handed out again.
        try (SegmentFile b = dir.createSegment("wal/b.seg", CAPACITY))
        {
            assertNotEquals(live, b.buffer().addressOffset());
        }
        dir.atomicWrite("wal/a.seg", new byte[] {1, 2, 3});
        try (SegmentFile c = dir.createSegment("wal/c.seg", CAPACITY))
        {
            assertEquals(live, c.buffer().addressOffset(), "a replaced segment's memory is reused");
        }
        dir.truncate("wal/b.seg", 100);
        assertEquals(100, dir.fileLength("wal/b.seg"));
        try (SegmentFile d = dir.createSegment("wal/d.seg", CAPACITY))
        {
            assertEquals(0L, d.buffer().getLong(0));
        }
    }
}
