package io.durability.storage;

import io.durability.storage.DurabilityException.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** The Directory contract, run against every implementation (subclasses supply one). */
public abstract class DirectoryContractTest
{
    protected Directory dir;

    /** @return a fresh, empty directory. */
    protected abstract Directory newDirectory();

    @BeforeEach
    void openDirectory()
    {
        dir = newDirectory();
    }

    @AfterEach
    void closeDirectory()
    {
        dir.close();
    }

    private void write(final String path, final byte[] bytes) throws IOException
    {
        try (OutputStream out = dir.createFile(path))
        {
            out.write(bytes);
        }
    }

    @Test
    void byteFilesRoundTrip() throws IOException
    {
        write("a/b/c.bin", new byte[] {1, 2, 3});
        assertTrue(dir.exists("a/b/c.bin"));
        assertTrue(dir.exists("a/b"));
        assertEquals(3, dir.fileLength("a/b/c.bin"));
        assertArrayEquals(new byte[] {1, 2, 3}, dir.readFile("a/b/c.bin", 3));
        try (InputStream in = dir.openFile("a/b/c.bin"))
        {
            assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
        }
        write("a/b/c.bin", new byte[] {9});
        assertArrayEquals(new byte[] {9}, dir.readFile("a/b/c.bin", 100), "createFile truncates");
    }

    @Test
    void readFileRefusesFilesLongerThanTheCapBeforeReading() throws IOException
    {
        write("big", new byte[100]);
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> dir.readFile("big", 99));
        assertEquals(Kind.FORMAT, ex.kind());
        assertEquals("big", ex.file());
    }

    @Test
    void missingFilesAreNotFound()
    {
        assertFalse(dir.exists("nope"));
        assertEquals(Kind.NOT_FOUND, assertThrows(DurabilityException.class, () -> dir.readFile("nope", 10)).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(DurabilityException.class, () -> dir.openFile("nope")).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(DurabilityException.class, () -> dir.delete("nope")).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(DurabilityException.class, () -> dir.fileLength("nope")).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(DurabilityException.class, () -> dir.openSegment("nope", false)).kind());
        assertEquals(Kind.NOT_FOUND,
            assertThrows(DurabilityException.class, () -> dir.atomicRename("nope", "other")).kind());
    }

    @Test
    void listIsSortedAndShowsDirectChildrenOnly() throws IOException
    {
        write("d/b", new byte[0]);
        write("d/a", new byte[0]);
        write("d/sub/x", new byte[0]);
        write("top", new byte[0]);
        assertEquals(List.of("a", "b", "sub"), dir.list("d"));
        assertTrue(dir.list("").containsAll(List.of("d", "top")));
        assertEquals(List.of(), dir.list("absent"));
    }

    @Test
    void deleteRemovesTheFile() throws IOException
    {
        write("f", new byte[] {1});
        dir.delete("f");
        assertFalse(dir.exists("f"));
    }

    @Test
    void atomicRenameReplacesTheTarget() throws IOException
    {
        write("from", new byte[] {1});
        write("to", new byte[] {2});
        dir.atomicRename("from", "to");
        assertFalse(dir.exists("from"));
        assertArrayEquals(new byte[] {1}, dir.readFile("to", 10));
    }

    @Test
    void atomicWriteReplacesContent()
    {
        dir.atomicWrite("x/meta", new byte[] {1, 2});
        dir.atomicWrite("x/meta", new byte[] {3});
        assertArrayEquals(new byte[] {3}, dir.readFile("x/meta", 10));
        assertEquals(List.of("meta"), dir.list("x"), "no temporary file left behind");
    }

    @Test
    void segmentsAreZeroFilledAtFullCapacity()
    {
        try (SegmentFile s = dir.createSegment("s/seg", 4096))
        {
            assertEquals(4096, s.capacity());
            assertEquals(4096, s.buffer().capacity());
            for (int i = 0; i < 4096; i += 8)
            {
                assertEquals(0, s.buffer().getLong(i));
            }
        }
        assertEquals(4096, dir.fileLength("s/seg"));
    }

    @Test
    void segmentWritesAreVisibleToAnotherHandleAndAfterReopen()
    {
        try (SegmentFile w = dir.createSegment("seg", 1024);
            SegmentFile r = dir.openSegment("seg", false))
        {
            w.buffer().putLong(8, 0x1122334455667788L);
            w.buffer().putIntRelease(0, 42);
            assertEquals(42, r.buffer().getIntVolatile(0));
            assertEquals(0x1122334455667788L, r.buffer().getLong(8));
        }
        try (SegmentFile again = dir.openSegment("seg", true))
        {
            assertEquals(42, again.buffer().getInt(0));
            assertEquals(1024, again.capacity());
        }
        final byte[] bytes = dir.readFile("seg", 1024);
        assertEquals(42, bytes[0]);
    }

    @Test
    void byteBufferViewSharesTheSegmentMemory()
    {
        try (SegmentFile s = dir.createSegment("seg", 256))
        {
            s.buffer().putByte(100, (byte)7);
            assertTrue(s.byteBuffer().isDirect());
            assertEquals(7, s.byteBuffer().get(100));
        }
    }

    @Test
    void creatingAnExistingSegmentIsRefused()
    {
        dir.createSegment("seg", 256).close();
        assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class, () -> dir.createSegment("seg", 256)).kind());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 8, 63, 100, -8})
    void invalidSegmentCapacitiesAreRefused(final int capacity)
    {
        assertEquals(Kind.INVALID_CONFIG,
            assertThrows(DurabilityException.class, () -> dir.createSegment("seg", capacity)).kind());
        assertFalse(dir.exists("seg"));
    }

    @Test
    void lockIsExclusiveUntilClosed()
    {
        final DirectoryLock lock = dir.obtainLock("wal/.lock");
        assertTrue(lock.isValid());
        assertEquals(Kind.LOCK_FAILED, assertThrows(DurabilityException.class, () -> dir.obtainLock("wal/.lock")).kind());
        final DirectoryLock other = dir.obtainLock("other/.lock");
        other.close();
        lock.close();
        lock.close();
        assertFalse(lock.isValid());
        dir.obtainLock("wal/.lock").close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape", "/etc/passwd", "a/../../b", "a//b", "./a", "a/", "", "a\\b", "C:/x", "a/./b"})
    void pathsEscapingTheRootAreRefusedEverywhere(final String bad)
    {
        final List<Consumer<String>> operations = List.of(
            p -> dir.createFile(p),
            p -> dir.openFile(p),
            p -> dir.readFile(p, 10),
            p -> dir.exists(p),
            p -> dir.fileLength(p),
            p -> dir.delete(p),
            p -> dir.atomicRename(p, "ok"),
            p -> dir.atomicRename("ok", p),
            p -> dir.atomicWrite(p, new byte[0]),
            p -> dir.createDirectories(p),
            p -> dir.createSegment(p, 64),
            p -> dir.openSegment(p, false),
            p -> dir.obtainLock(p),
            p -> dir.filePath(p));
        for (final Consumer<String> op : operations)
        {
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> op.accept(bad), bad);
            assertEquals(Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
        }
    }

    @Test
    void barriersAreSupportedOrRefusedHonestly() throws IOException
    {
        write("f", new byte[] {1});
        try (SegmentFile s = dir.createSegment("seg", 4096))
        {
            s.buffer().putLong(0, 1L);
            if (dir.supportsDurability())
            {
                assertTrue(s.supportsForce());
                s.force(0, 4096);
                dir.syncFile("f");
                dir.syncParentDir("f");
                dir.atomicWriteDurable("g", new byte[] {5});
                assertArrayEquals(new byte[] {5}, dir.readFile("g", 10));
                // The first bytes of a longer array, which the caller then reuses.
                final byte[] reused = {6, 7, 8, 9};
                dir.atomicWriteDurable("p", reused, 2);
                reused[0] = 0;
                assertArrayEquals(new byte[] {6, 7}, dir.readFile("p", 10));
                dir.atomicWriteDurable("p", reused, 0);
                assertEquals(0, dir.fileLength("p"));
                assertEquals(Kind.INVALID_CONFIG,
                    assertThrows(DurabilityException.class, () -> dir.atomicWriteDurable("p", reused, 5)).kind());
                assertEquals(Kind.INVALID_CONFIG,
                    assertThrows(DurabilityException.class, () -> dir.atomicWriteDurable("p", reused, -1)).kind());
                assertEquals(0, dir.fileLength("p"), "a refused write changes nothing");
                dir.atomicRenameDurable("g", "sub/h");
                assertArrayEquals(new byte[] {5}, dir.readFile("sub/h", 10));
            }
            else
            {
                assertFalse(s.supportsForce());
                assertEquals(Kind.NOT_SUPPORTED, assertThrows(DurabilityException.class, () -> s.force(0, 8)).kind());
                assertEquals(Kind.NOT_SUPPORTED, assertThrows(DurabilityException.class, () -> dir.syncFile("f")).kind());
                assertEquals(Kind.NOT_SUPPORTED, assertThrows(DurabilityException.class, () -> dir.syncParentDir("f")).kind());
                assertEquals(Kind.NOT_SUPPORTED,
                    assertThrows(DurabilityException.class, () -> dir.atomicWriteDurable("g", new byte[0])).kind());
                assertEquals(Kind.NOT_SUPPORTED,
                    assertThrows(DurabilityException.class, () -> dir.atomicRenameDurable("f", "g")).kind());
                assertTrue(dir.filePath("f").isEmpty());
            }
        }
    }
}
