package io.durability.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Where benchmarks put their files, and how they clean up. */
final class BenchFolders
{
    private BenchFolders()
    {
    }

    /**
     * @param parent a folder, or {@code ""}: {@code /dev/shm} when writable (to measure the CPU path,
     *               not the disk), else {@code java.io.tmpdir}.
     * @param disk   when {@code parent} is empty, prefer the disk ({@code java.io.tmpdir}) anyway.
     */
    static Path create(final String parent, final boolean disk, final String prefix) throws IOException
    {
        final Path shm = Path.of("/dev/shm");
        final Path base = !parent.isEmpty() ? Path.of(parent) :
            !disk && Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(base, prefix);
    }

    static void delete(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
            {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path dir, final IOException exc) throws IOException
            {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Zero-fill through the channel (blocks really allocated), then fdatasync. */
    static void allocate(final java.nio.channels.FileChannel channel, final long length) throws IOException
    {
        // 64 KiB writes, as MmapDirectory's allocator does: on kernels with large page-cache folios the
        // write size sets the folio size, and a barrier writes back whole dirty folios (see
        // ZeroFillAllocator). The raw peers get the same, best, preparation.
        allocate(channel, length, 64 * 1024);
    }

    /** Zero-fill through the channel in writes of {@code chunk} bytes, then fdatasync. */
    static void allocate(final java.nio.channels.FileChannel channel, final long length, final int chunk) throws IOException
    {
        final java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocateDirect(chunk);
        long position = 0;
        while (position < length)
        {
            zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
            while (zeros.hasRemaining())
            {
                position += channel.write(zeros, position);
            }
        }
        channel.force(false);
    }
}
