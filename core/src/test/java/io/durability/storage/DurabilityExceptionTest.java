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

    @Test
    void theNamedFactoriesSetTheirKindAndEveryDetail()
    {
        final DurabilityException missing = DurabilityException.notFound("entry 9 is not in the WAL", "wal/wal-2.seg", 16, "<= 8", 9L);
        assertEquals("NOT_FOUND: entry 9 is not in the WAL [file=wal/wal-2.seg, offset=16, expected=<= 8, found=9]",
            missing.getMessage());
        final DurabilityException state = DurabilityException.invalidState("behind truncation", "wal/wal-1.seg", -1, "segment 1", "segments from 3 on");
        assertEquals(DurabilityException.Kind.INVALID_STATE, state.kind());
        assertEquals("segments from 3 on", state.found());
        final DurabilityException config = DurabilityException.invalidConfig("another codec", "wal/wal-1.seg", 40, 3, 1);
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, config.kind());
        assertEquals(40, config.offset());
        assertEquals("3", config.expected());

        final IllegalStateException root = new IllegalStateException("disk gone");
        final DurabilityException poisoned = DurabilityException.poisoned("writer is poisoned", "wal", root);
        assertEquals(DurabilityException.Kind.INVALID_STATE, poisoned.kind());
        assertSame(root, poisoned.getCause());

        final RuntimeException codec = new ArithmeticException("/ by zero");
        final DurabilityException decode = DurabilityException.codecFailed(DurabilityException.Kind.DECODE, "codec failed to decode entry 7",
            null, -1, null, codec);
        assertEquals("DECODE: codec failed to decode entry 7: java.lang.ArithmeticException: / by zero", decode.getMessage());
        assertSame(codec, decode.getCause());
        assertThrows(IllegalArgumentException.class,
            () -> DurabilityException.codecFailed(DurabilityException.Kind.IO, "not a codec failure", null, -1, null, codec));

        final DurabilityException because = poisoned.because("entry 12 will never be reported durable", "wal");
        assertEquals(DurabilityException.Kind.INVALID_STATE, because.kind());
        assertSame(poisoned, because.getCause());
        assertTrue(because.getMessage().startsWith("INVALID_STATE: entry 12 will never be reported durable: INVALID_STATE: writer is poisoned"),
            because.getMessage());
    }
}
