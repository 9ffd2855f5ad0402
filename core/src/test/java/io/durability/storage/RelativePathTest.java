package io.durability.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class RelativePathTest
{
    @ParameterizedTest
    @ValueSource(strings = {"a", "wal/wal-1.seg", "checkpoints/cp-00001.bin", ".lock", "a/.hidden", "a..b", "..a"})
    void confinedPathsAreAccepted(final String path)
    {
        assertEquals(path, RelativePath.validate(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "x/..", "x/../y", "/abs", "//x", "x//y", "x/", ".", "./x", "x/./y",
        "x\\y", "..\\x", "C:x", "c:/x", "x\u0000y"})
    void escapingOrAmbiguousPathsAreRefused(final String path)
    {
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> RelativePath.validate(path));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind());
        assertEquals(path, ex.file());
        assertTrue(ex.getMessage().startsWith("INVALID_CONFIG: path refused"), ex.getMessage());
    }

    @Test
    void nullAndEmptyAreRefused()
    {
        assertThrows(DurabilityException.class, () -> RelativePath.validate(null));
        assertThrows(DurabilityException.class, () -> RelativePath.validate(""));
        assertEquals("", RelativePath.validateDir(""));
    }

    @Test
    void helpersSplitAndJoin()
    {
        assertEquals("a/b", RelativePath.parent("a/b/c"));
        assertEquals("", RelativePath.parent("c"));
        assertEquals("c", RelativePath.name("a/b/c"));
        assertEquals("a/c", RelativePath.join("a", "c"));
        assertEquals("c", RelativePath.join("", "c"));
    }
}
