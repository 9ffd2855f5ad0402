package io.durability.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one temporary-folder helper of the test suites (mmap-directory and cli tests use it through
 * the core test jar), for the places JUnit's {@code @TempDir} does not reach: jqwik tries and helpers
 * shared by several classes. Folders are under {@code /tmp} (a real disk filesystem here, unlike
 * {@code /dev/shm}), as real paths; {@code -Ddurability.test.tmp=/dev/shm} puts them elsewhere. The
 * {@code @TempDir} folders of the other tests are in {@code java.io.tmpdir} ({@code /tmp} unless the test
 * JVM is given another, e.g. {@code -Dsurefire.extra.args=-Djava.io.tmpdir=/dev/shm}: the commit race behind
 * a cross-process LiveReaderTest failure in CI showed there in our runs, never on /tmp).
 */
public final class TempFolders
{
    private TempFolders()
    {
    }

    /** @return a new empty folder under /tmp whose name starts with {@code prefix}. */
    public static Path create(final String prefix)
    {
        try
        {
            return Files.createTempDirectory(Path.of(System.getProperty("durability.test.tmp", "/tmp")), prefix).toRealPath();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Delete a tree without following symbolic links; nothing when it does not exist. */
    public static void delete(final Path root)
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        try
        {
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
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
