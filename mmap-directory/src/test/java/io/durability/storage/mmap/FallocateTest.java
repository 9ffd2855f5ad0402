package io.durability.storage.mmap;

import io.durability.storage.SegmentFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Preallocation#FALLOCATE} (issue 14): blocks reserved, nothing written, and a request the
 * disk cannot hold fails at allocation with the errno said, the file left as it was. JNA is on this
 * module's test class path and the suite runs on Linux, so the native call must load here.
 */
class FallocateTest
{
    @TempDir
    Path folder;

    @Test
    void theNativeCallLoadsOnLinuxWithJna()
    {
        assertTrue(System.getProperty("os.name").toLowerCase().startsWith("linux"), "the suite runs on Linux");
        assertTrue(NativeIo.available(), "fallocate through JNA: " + NativeIo.unavailableBecause());
    }

    @Test
    void fallocateIsTheDefault()
    {
        assertEquals(Preallocation.FALLOCATE, MmapOptions.defaults().preallocation());
        assertEquals(Preallocation.ZERO_FILL, MmapOptions.defaults().withPreallocation(Preallocation.ZERO_FILL)
            .preallocation());
    }

    @Test
    void onJava24AndLaterJnaLoadsOnlyWithNativeAccess() throws Exception
    {
        final Module module = NativeIo.class.getModule();
        assertNull(NativeIo.refusedNativeAccess(17, module));
        assertNull(NativeIo.refusedNativeAccess(23, module));
        final String refused = NativeIo.refusedNativeAccess(24, module);
        if (Runtime.version().feature() >= 22)
        {
            final boolean enabled = (Boolean)Module.class.getMethod("isNativeAccessEnabled").invoke(module);
            assertEquals(enabled, refused == null, "refused: " + refused);
        }
        else
        {
            // No Module.isNativeAccessEnabled here: it cannot tell, so it does not load.
            assertNotNull(refused);
            assertTrue(refused.contains("Java 24"), refused);
        }
    }

    @Test
    void aFallocatedSegmentIsWholeZeroAndAllocated() throws Exception
    {
        final int capacity = 8 << 20;
        try (MmapDirectory dir = MmapDirectory.open(folder,
                MmapOptions.defaults().withPreallocation(Preallocation.FALLOCATE).withPrepareAhead(false));
            SegmentFile f = dir.createSegment("wal/wal-1.seg", capacity))
        {
            assertEquals(Preallocation.FALLOCATE, MmapOptions.defaults().withPreallocation(Preallocation.FALLOCATE)
                .preallocation());
            assertEquals(capacity, Files.size(folder.resolve("wal/wal-1.seg")));
            for (int i = 0; i < capacity; i += 4096)
            {
                assertEquals(0L, f.buffer().getLong(i));
            }
            f.buffer().putLong(capacity - 8, 42);
            f.force(capacity - 8, 8);
        }
        assertTrue(allocatedBytes(folder.resolve("wal/wal-1.seg")) >= capacity, "blocks are reserved, not sparse");
    }

    @Test
    void aRequestTheDiskCannotHoldFailsAtAllocation() throws Exception
    {
        // On a memory filesystem the allocator zero-fills by choice: asking it for 2^60 bytes there would fill
        // memory. The test's folder (@TempDir, in java.io.tmpdir) is on a disk unless -Djava.io.tmpdir says otherwise.
        org.junit.jupiter.api.Assumptions.assumeFalse(MemoryFilesystems.contains(folder),
            "test folders are on a memory filesystem: " + folder);
        final Path file = folder.resolve("huge");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            StandardOpenOption.READ))
        {
            // 2^60 bytes: beyond any filesystem's largest file, refused before anything is reserved (a
            // request just above the free space would fill the disk for a moment: ext4 keeps what it
            // reserved before ENOSPC, which the allocator then gives back).
            final IOException ex = assertThrows(IOException.class,
                () -> FallocateAllocator.INSTANCE.allocate(file, channel, 1L << 60));
            assertTrue(ex.getMessage().contains("errno 27 (File too large)"), ex.getMessage());
            assertEquals(0, channel.size(), "nothing reserved");
        }
    }

    /** @return the bytes of disk the file holds ({@code stat %b * %B}). */
    private static long allocatedBytes(final Path file) throws Exception
    {
        final Process p = new ProcessBuilder("stat", "--format=%b %B", file.toString()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        final String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
