package io.durability.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DurabilityExceptionTest
{
    @Test
    void messageCarriesFileOffsetExpectedAndFound()
    {
        final DurabilityException ex = DurabilityException.format("bad thing", "wal/wal-1.seg", 128, 1, 2);
        assertEquals("FORMAT: bad thing [file=wal/wal-1.seg, offset=128, expected=1, found=2]", ex.getMessage());
        assertEquals(DurabilityException.Kind.FORMAT, ex.kind());
        assertEquals(128, ex.offset());
    }

    @Test
    void crcMismatchCarriesBothValues()
    {
        final CrcMismatchException ex = new CrcMismatchException("frame CRC mismatch", "f", 64, 0xCAFEBABE, 0x1);
        assertEquals(DurabilityException.Kind.CRC_MISMATCH, ex.kind());
        assertEquals(0xCAFEBABE, ex.expectedCrc());
        assertEquals(1, ex.actualCrc());
        assertTrue(ex.getMessage().contains("expected=0xcafebabe, found=0x00000001"), ex.getMessage());
    }

    @Test
    void noContextMeansNoBrackets()
    {
        assertEquals("INVALID_STATE: closed", DurabilityException.invalidState("closed", null).getMessage());
    }
}
