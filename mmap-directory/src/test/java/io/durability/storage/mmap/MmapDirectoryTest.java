package io.durability.storage.mmap;

import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.SegmentFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The Directory contract on a real folder: byte files, confinement, segments, spares, locks. */
class MmapDirectoryTest
{
    @TempDir
    Path folder;
    @TempDir
    Path outside;
    private MmapDirectory dir;

    @BeforeEach
    void open()
    {
        dir = MmapDirectory.open(folder);
    }

    @AfterEach
    void close()
    {
        dir.close();
    }

    private static DurabilityException fails(final Kind kind, final Executable call)
    {
        final DurabilityException ex = assertThrows(DurabilityException.class, call);
        assertEquals(kind, ex.kind(), ex.getMessage());
        return ex;
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void byteFilesRoundTripThroughStreamsAndReads() throws IOException
    {
        try (OutputStream out = dir.createFile("meta/a/one.bin"))
        {
            out.write(bytes("hello "));
            out.write('w');
            out.write(bytes("orld"));
        }
        assertArrayEquals(bytes("hello world"), dir.readFile("meta/a/one.bin", 100));
        try (InputStream in = dir.openFile("meta/a/one.bin"))
        {
            assertArrayEquals(bytes("hello world"), in.readAllBytes());
        }
        assertEquals(11, dir.fileLength("meta/a/one.bin"));
        assertTrue(dir.exists("meta/a/one.bin"));
        assertTrue(dir.exists("meta/a"));
        assertEquals(Files.readString(folder.resolve("meta/a/one.bin")), "hello world");
        try (OutputStream out = dir.createFile("meta/a/one.bin"))
        {
            out.write(bytes("x"));
        }
        assertArrayEquals(bytes("x"), dir.readFile("meta/a/one.bin", 1), "createFile truncates");
        dir.delete("meta/a/one.bin");
        assertFalse(dir.exists("meta/a/one.bin"));
    }

    @Test
    void readFileRefusesBeforeAllocatingWhenLongerThanAllowed()
    {
        dir.atomicWrite("big.bin", new byte[1000]);
        final DurabilityException ex = fails(Kind.FORMAT, () -> dir.readFile("big.bin", 999));
        assertEquals("big.bin", ex.file());
        assertEquals(1000, dir.readFile("big.bin", 1000).length);
    }

    @Test
    void missingFilesAreNotFoundWithTheRelativePath()
    {
        for (final Executable call : List.<Executable>of(
            () -> dir.openFile("no/such.bin"),
            () -> dir.readFile("no/such.bin", 10),
            () -> dir.fileLength("no/such.bin"),
            () -> dir.delete("no/such.bin"),
            () -> dir.openSegment("no/such.bin", false),
            () -> dir.atomicRename("no/such.bin", "other.bin"),
            () -> dir.syncFile("no/such.bin")))
        {
            assertEquals("no/such.bin", fails(Kind.NOT_FOUND, call).file());
        }
        dir.atomicWrite("file.bin", new byte[] {1});
        fails(Kind.NOT_FOUND, () -> dir.fileLength("file.bin/under-a-file"));
        dir.createDirectories("folder");
        fails(Kind.NOT_FOUND, () -> dir.fileLength("folder"));
        fails(Kind.NOT_FOUND, () -> dir.delete("folder"));
        assertTrue(dir.exists("folder"), "a folder is not deleted as a file");
    }

    @Test
    void listIsSortedAndEmptyForMissingFolders()
    {
        dir.atomicWrite("d/b", new byte[1]);
        dir.atomicWrite("d/a", new byte[1]);
        dir.atomicWrite("d/c/x", new byte[1]);
        dir.atomicWrite("d/B", new byte[1]);
        assertEquals(List.of("B", "a", "b", "c"), dir.list("d"));
        assertEquals(List.of("d"), dir.list(""));
        assertEquals(List.of(), dir.list("nothing/here"));
        assertEquals(List.of(), dir.list("d/a"), "a file lists as empty");
    }

    @Test
    void atomicWriteAndRenameReplaceWithoutLeavingTemporaries()
    {
        dir.atomicWrite("cp/current", bytes("one"));
        dir.atomicWrite("cp/current", bytes("two"));
        dir.atomicWriteDurable("cp/durable", bytes("three"));
        dir.atomicWriteDurable("cp/durable", bytes("four"));
        assertArrayEquals(bytes("two"), dir.readFile("cp/current", 10));
        assertArrayEquals(bytes("four"), dir.readFile("cp/durable", 10));
        assertEquals(List.of("current", "durable"), TestFolders.rawNames(folder.resolve("cp")));

        dir.atomicRename("cp/current", "cp/durable");
        assertArrayEquals(bytes("two"), dir.readFile("cp/durable", 10));
        assertFalse(dir.exists("cp/current"));
        dir.atomicRenameDurable("cp/durable", "elsewhere/deep/renamed");
        assertArrayEquals(bytes("two"), dir.readFile("elsewhere/deep/renamed", 10));
        assertEquals(List.of(), dir.list("cp"));
    }

    @Test
    void createDirectoriesOverAFileIsAnIoError()
    {
        dir.atomicWrite("f", new byte[1]);
        fails(Kind.IO, () -> dir.createDirectories("f"));
        fails(Kind.IO, () -> dir.createDirectories("f/g"));
        fails(Kind.IO, () -> dir.createSegment("f/seg", 64));
        dir.createDirectories("g/h");
        dir.createDirectories("g/h");
        assertTrue(Files.isDirectory(folder.resolve("g/h")));
    }

    @Test
    void lexicallyEscapingPathsAreRefused()
    {
        for (final String bad : List.of("", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "C:x"))
        {
            fails(Kind.INVALID_CONFIG, () -> dir.createFile(bad));
            fails(Kind.INVALID_CONFIG, () -> dir.exists(bad));
        }
    }

    @Test
    void symbolicLinksOutOfTheRootAreRefused() throws IOException
    {
        Files.writeString(outside.resolve("secret"), "outside");
        Files.createSymbolicLink(folder.resolve("escape"), outside);
        Files.createSymbolicLink(folder.resolve("secret-link"), outside.resolve("secret"));
        Files.createSymbolicLink(folder.resolve("dangling"), outside.resolve("not-there"));
        for (final Executable call : List.<Executable>of(
            () -> dir.createFile("escape/x"),
            () -> dir.readFile("escape/secret", 100),
            () -> dir.readFile("secret-link", 100),
            () -> dir.exists("escape/secret"),
            () -> dir.createSegment("escape/deeper/seg", 64),
            () -> dir.openSegment("secret-link", false),
            () -> dir.atomicWrite("escape/y", new byte[1]),
            () -> dir.atomicRename("secret-link", "mine"),
            () -> dir.obtainLock("escape/.lock"),
            () -> dir.list("escape"),
            () -> dir.createFile("dangling"),
            () -> dir.filePath("escape/x")))
        {
            final DurabilityException ex = fails(Kind.INVALID_CONFIG, call);
            assertTrue(ex.getMessage().contains("path refused"), ex.getMessage());
        }
        assertEquals(List.of("secret"), TestFolders.rawNames(outside), "nothing was created outside");

        dir.createDirectories("real");
        Files.createSymbolicLink(folder.resolve("inside-link"), folder.resolve("real"));
        dir.atomicWrite("inside-link/ok", bytes("fine"));
        assertArrayEquals(bytes("fine"), dir.readFile("real/ok", 10), "links that stay inside are followed");
    }

    @Test
    void rootMustBeAFolderAndIsCreatedWhenMissing() throws IOException
    {
        Files.writeString(outside.resolve("plain-file"), "x");
        final DurabilityException ex = fails(Kind.INVALID_CONFIG, () -> MmapDirectory.open(outside.resolve("plain-file")));
        assertTrue(ex.getMessage().contains("not a folder"), ex.getMessage());
        try (MmapDirectory created = MmapDirectory.open(outside.resolve("new/root")))
        {
            assertTrue(Files.isDirectory(outside.resolve("new/root")));
            created.atomicWriteDurable("f", bytes("x"));
            created.syncParentDir("f");
        }
    }

    @Test
    void filePathIsTheRealPathUnderTheRoot()
    {
        assertEquals(folder.resolve("wal/wal-1.seg"), dir.filePath("wal/wal-1.seg").orElseThrow());
        assertEquals(folder, dir.root());
        assertTrue(dir.supportsDurability());
    }

    @Test
    void createdSegmentIsFullLengthZeroFilledAndNotSparse() throws Exception
    {
        final int capacity = 1 << 20;
        try (SegmentFile s = dir.createSegment("wal/one.seg", capacity))
        {
            assertEquals(capacity, s.capacity());
            assertEquals(capacity, s.buffer().capacity());
            assertEquals(capacity, s.byteBuffer().capacity());
            for (int i = 0; i < capacity; i += 8)
            {
                assertEquals(0L, s.buffer().getLong(i), "offset " + i);
            }
            assertTrue(s.supportsForce());
        }
        final Path file = folder.resolve("wal/one.seg");
        assertEquals(capacity, Files.size(file));
        final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        final String[] blocks = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split(" ");
        assertEquals(0, stat.waitFor());
        final long allocated = Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
        assertTrue(allocated >= capacity, "blocks allocated: " + allocated + " for " + capacity + " bytes");
    }

    @Test
    void segmentArgumentsAndExistenceFollowTheContract()
    {
        dir.createSegment("s.seg", 64).close();
        fails(Kind.INVALID_STATE, () -> dir.createSegment("s.seg", 64));
        fails(Kind.INVALID_CONFIG, () -> dir.createSegment("t.seg", 60));
        fails(Kind.INVALID_CONFIG, () -> dir.createSegment("t.seg", 100));
        dir.createDirectories("a-folder");
        fails(Kind.IO, () -> dir.createSegment("a-folder", 64));
        assertFalse(dir.exists("t.seg"));
    }

    @Test
    void openedSegmentSharesMemoryWithOtherMappingsAndRoundsCapacityDown()
    {
        dir.atomicWrite("odd.bin", new byte[100]);
        try (SegmentFile s = dir.openSegment("odd.bin", false))
        {
            assertEquals(96, s.capacity());
        }
        dir.atomicWrite("empty.bin", new byte[0]);
        try (SegmentFile s = dir.openSegment("empty.bin", true))
        {
            assertEquals(0, s.capacity());
        }
        try (SegmentFile writer = dir.createSegment("shared.seg", 4096);
            SegmentFile reader = dir.openSegment("shared.seg", false))
        {
            writer.buffer().putLongRelease(4000, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, reader.buffer().getLongVolatile(4000));
            writer.force(4000, 8);
            reader.force(0, 8);
        }
        assertEquals(0x88, dir.readFile("shared.seg", 4096)[4000] & 0xFF);
    }

    @Test
    void closedSegmentFailsCleanlyInsteadOfTouchingUnmappedMemory()
    {
        final SegmentFile s = dir.createSegment("c.seg", 4096);
        s.buffer().putInt(0, 42);
        s.close();
        s.close();
        assertTrue(s.isClosed());
        assertThrows(IndexOutOfBoundsException.class, () -> s.buffer().getInt(0));
        assertEquals(0, s.byteBuffer().capacity());
        fails(Kind.INVALID_STATE, () -> s.force(0, 8));
        try (SegmentFile again = dir.openSegment("c.seg", true))
        {
            assertEquals(42, again.buffer().getInt(0));
            fails(Kind.INVALID_CONFIG, () -> again.force(4090, 8));
            fails(Kind.INVALID_CONFIG, () -> again.force(-1, 8));
            again.force(0, 0);
        }
    }

    @Test
    void nextSegmentIsThePreparedSpareRenamedIntoPlace() throws IOException
    {
        try (SegmentFile first = dir.createSegment("wal/a.seg", 64 * 1024))
        {
            first.buffer().putInt(0, 1);
        }
        dir.awaitPreparation();
        final Path wal = folder.resolve("wal");
        final List<String> raw = TestFolders.rawNames(wal);
        assertEquals(2, raw.size(), raw.toString());
        final Path spare = wal.resolve(raw.get(0));
        assertTrue(SegmentPreparer.isSpareName(raw.get(0)), raw.toString());
        assertEquals(List.of("a.seg"), dir.list("wal"), "spares are hidden");
        final Object spareInode = Files.getAttribute(spare, "unix:ino");

        try (SegmentFile second = dir.createSegment("wal/b.seg", 64 * 1024))
        {
            assertEquals(spareInode, Files.getAttribute(wal.resolve("b.seg"), "unix:ino"));
            assertEquals(0, second.buffer().getInt(0));
            second.buffer().putInt(0, 2);
        }
        assertEquals(1, dir.preparer().spareHits());
        final MmapMetrics m = dir.metrics();
        assertEquals(2, m.segmentsCreated(), m.toString());
        assertEquals(1, m.fromSpares(), m.toString());
        assertEquals(1, m.allocatedInline(), "the first segment: no spare was prepared yet; " + m);
        assertEquals(0, m.spareFailures(), m.toString());
        assertTrue(m.spareWaits() <= 1 && (m.spareWaits() == 0) == (m.spareWaitNanos() == 0), m.toString());
        assertEquals(2, dir.readFile("wal/b.seg", 1 << 20)[0]);
        dir.awaitPreparation();
        assertEquals(1, TestFolders.spares(wal), "the next spare is ready");

        try (SegmentFile other = dir.createSegment("wal/c.seg", 128 * 1024))
        {
            assertEquals(128 * 1024, other.capacity());
        }
        assertEquals(1, dir.preparer().spareHits(), "a spare of another capacity is not used");
        dir.awaitPreparation();
        assertEquals(1, TestFolders.spares(wal));
        assertEquals(128 * 1024, Files.size(wal.resolve(TestFolders.rawNames(wal).get(0))));
    }

    @Test
    void closeDeletesSparesAndTheFolderOwnerDeletesStaleOnes() throws IOException
    {
        dir.createSegment("wal/a.seg", 4096).close();
        dir.awaitPreparation();
        assertEquals(1, TestFolders.spares(folder.resolve("wal")));
        dir.close();
        assertEquals(List.of("a.seg"), TestFolders.rawNames(folder.resolve("wal")));

        // Left by a process that died: nobody holds it.
        Files.write(folder.resolve("wal/.mmap-prepared-999999-1-1.tmp"), new byte[4096]);
        Files.write(folder.resolve(".mmap-prepared-999999-1-2.tmp"), new byte[64]);
        dir = MmapDirectory.open(folder);
        dir.list("wal");
        assertEquals(2, TestFolders.rawNames(folder.resolve("wal")).size(), "opening and reading touch nothing");
        dir.obtainLock("wal/.lock").close();
        assertEquals(List.of(".lock", "a.seg"), TestFolders.rawNames(folder.resolve("wal")),
            "the lock holder owns the folder: its stale spare goes");
        assertEquals(2, TestFolders.rawNames(folder).size(), "folders not used are left alone");
    }

    @Test
    void aSecondDirectoryOnTheSameRootLeavesTheFirstOnesSpareAlone()
    {
        dir.createSegment("wal/a.seg", 4096).close();
        dir.awaitPreparation();
        try (MmapDirectory second = MmapDirectory.open(folder))
        {
            assertEquals(1, TestFolders.spares(folder.resolve("wal")));
            second.list("wal");
        }
        dir.createSegment("wal/b.seg", 4096).close();
        assertEquals(1, dir.preparer().spareHits());
    }

    @Test
    void failedPreparationFallsBackToSynchronousAllocation()
    {
        final SegmentAllocator failsInBackground = (file, channel, length) ->
        {
            if (Thread.currentThread().getName().startsWith("durability-mmap-prepare"))
            {
                throw new IOException("No space left on device");
            }
            ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
        };
        dir.close();
        dir = MmapDirectory.open(folder, MmapOptions.defaults().withAllocator(failsInBackground));
        dir.createSegment("wal/a.seg", 4096).close();
        try (SegmentFile b = dir.createSegment("wal/b.seg", 4096))
        {
            assertEquals(4096, b.capacity());
        }
        assertEquals(0, dir.preparer().spareHits());
        assertEquals(1, dir.preparer().spareFailures());
        assertEquals("No space left on device", dir.preparer().lastFailure().getMessage());
        dir.awaitPreparation();
        assertEquals(List.of("a.seg", "b.seg"), TestFolders.rawNames(folder.resolve("wal")), "failed spares are deleted");
    }

    @Test
    void withoutPrepareAheadNoThreadAndNoSpare()
    {
        dir.close();
        dir = MmapDirectory.open(folder, MmapOptions.defaults().withPrepareAhead(false));
        assertNull(dir.preparer());
        dir.createSegment("wal/a.seg", 4096).close();
        dir.createSegment("wal/b.seg", 4096).close();
        assertEquals(List.of("a.seg", "b.seg"), TestFolders.rawNames(folder.resolve("wal")));
    }

    @Test
    void lockIsExclusiveWithinTheProcessAcrossDirectoryInstances() throws IOException
    {
        final DirectoryLock lock = dir.obtainLock("wal/.lock");
        assertTrue(lock.isValid());
        assertEquals("wal/.lock", lock.path());
        assertTrue(Files.readString(folder.resolve("wal/.lock")).contains("pid " + ProcessHandle.current().pid()));
        fails(Kind.LOCK_FAILED, () -> dir.obtainLock("wal/.lock"));
        try (MmapDirectory second = MmapDirectory.open(folder))
        {
            final DurabilityException ex = fails(Kind.LOCK_FAILED, () -> second.obtainLock("wal/.lock"));
            assertEquals("wal/.lock", ex.file());
            lock.close();
            lock.close();
            assertFalse(lock.isValid());
            try (DirectoryLock again = second.obtainLock("wal/.lock"))
            {
                assertTrue(again.isValid());
            }
        }
        try (DirectoryLock other = dir.obtainLock("other/.lock"))
        {
            assertTrue(other.isValid());
        }
    }

    @Test
    void barriersWorkOnFreshFolders()
    {
        dir.atomicWrite("new/deep/file", bytes("x"));
        dir.syncFile("new/deep/file");
        dir.syncParentDir("new/deep/file");
        dir.syncParentDir("top-level-file");
        try (SegmentFile s = dir.createSegment("fresh/wal/s.seg", 4096))
        {
            s.buffer().putLong(64, 7);
            s.force(64, 8);
        }
        dir.syncParentDir("fresh/wal/s.seg");
    }

    @Test
    void segmentsStayUsableAfterTheDirectoryCloses()
    {
        final SegmentFile s = dir.createSegment("s.seg", 4096);
        dir.close();
        dir.close();
        s.buffer().putInt(8, 5);
        s.force(8, 4);
        s.close();
        assertEquals(5, dir.readFile("s.seg", 4096)[8], "calls still served after close");
        dir.createSegment("t.seg", 4096).close();
        assertEquals(List.of("s.seg", "t.seg"), TestFolders.rawNames(folder), "no spare after close");
    }
}
