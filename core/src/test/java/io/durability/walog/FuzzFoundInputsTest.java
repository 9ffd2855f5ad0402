package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/** Inputs that fuzzing the public decoders found, each kept as it was found, each now our own error. */
class FuzzFoundInputsTest
{
    /**
     * A 120-byte segment whose one data frame ends at its capacity, in the room writers keep for the
     * seal. It read as CLEAN, and {@code resume} then {@code append} rolled and wrote the seal past the
     * end ({@code IndexOutOfBoundsException}). Now the frame is corruption: resume refuses and changes
     * nothing.
     */
    @Test
    void aDataFrameInTheSealsRoomIsCorruptionNotAnIndexOutOfBounds()
    {
        final byte[] segment = HexFormat.of().parseHex(
            "445552424c5345470300000001000000010000000000000001000000000000006745230178000000862c24b800000000" +
            "00000000093f56ac000000000000000038000000c21fe58b010000000000000001009da5674523010000000000000000" +
            "000000000000000000000000000000000000000000000000");
        assertEquals(120, segment.length);
        try (MemoryDirectory dir = new MemoryDirectory())
        {
            dir.createDirectories("wal");
            dir.atomicWrite(WalLayout.segmentPath("wal", 1), segment);
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> WalWriter.resume(dir, BytesCodec.INSTANCE).close());
            assertTrue(ex.getMessage().contains("room kept for the seal"), ex.getMessage());
            assertEquals(WalLayout.segmentPath("wal", 1), ex.file());
            assertEquals(64, ex.offset());
            assertArrayEquals(segment, dir.readFile(WalLayout.segmentPath("wal", 1), 1 << 20), "resume changed nothing");
            final DurabilityException strict = assertThrows(DurabilityException.class,
                () -> new WalReader<>(dir, BytesCodec.INSTANCE).replay(ReplayMode.STRICT));
            assertTrue(strict.getMessage().contains("room kept for the seal"), "replay gives the same verdict: " + strict.getMessage());
            assertEquals(64, strict.offset());
        }
    }
}
