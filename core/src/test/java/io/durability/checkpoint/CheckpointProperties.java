package io.durability.checkpoint;

import io.durability.recover.SegmentIndexCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointProperties
{
    @Property(tries = 300, seed = "20261204")
    void arbitraryBytesNeverBreakTheReader(@ForAll final byte[] bytes)
    {
        // Any file content reads as a checkpoint or fails with DurabilityException.
        final MemoryDirectory d = new MemoryDirectory();
        d.atomicWrite("x.chk", bytes);
        try
        {
            CheckpointFile.read(d, "x.chk", SegmentIndexCodec.INSTANCE);
        }
        catch (final DurabilityException expected)
        {
            assertNotNull(expected.kind());
        }
    }
}
