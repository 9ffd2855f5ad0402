package io.durability.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MemoryDirectoryTest extends DirectoryContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }

    @Test
    void truncateShortensAFileAndRejectsGrowth()
    {
        final MemoryDirectory memory = (MemoryDirectory)dir;
        try (SegmentFile s = memory.createSegment("seg", 128))
        {
            s.buffer().putByte(10, (byte)1);
        }
        memory.truncate("seg", 50);
        assertEquals(50, memory.fileLength("seg"));
        try (SegmentFile s = memory.openSegment("seg", false))
        {
            assertEquals(48, s.capacity(), "rounded down to a multiple of 8");
            assertEquals(1, s.buffer().getByte(10));
        }
        assertEquals(50, memory.fileLength("seg"), "opening does not change the file");
        assertThrows(DurabilityException.class, () -> memory.truncate("seg", 51));
    }
}
