package io.durability.storage.mmap;

import io.durability.testhook.CrashPoints;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.RelativePath;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The byte files of an {@link MmapDirectory}, in the role Lucene's {@code FSDirectory} plays under
 * {@code MMapDirectory}. Its one job: the {@link io.durability.storage.Directory} operations on plain
 * files. That is byte files and their streams ({@link ByteFileStreams}), existence, length,
 * deletion, listings, renames and atomic writes, and the barriers on files and the folders holding
 * them, every path confined by {@link ConfinedPaths} and every folder made by {@link Folders}. It
 * knows nothing of mappings or spares: {@link MmapSegments} does.
 *
 * <p>Thread-safe.
 */
final class FsFiles
{
    private static final AtomicLong INSTANCES = new AtomicLong();

    private final ConfinedPaths paths;
    private final Folders folders;
    private final Predicate<String> hidden;
    private final String tempToken = ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
    private final AtomicLong tempSequence = new AtomicLong();

    /**
     * @param paths   the root's paths.
     * @param folders the root's folders.
     * @param hidden  names that {@link #list} leaves out (the segment layer's spares).
     */
    FsFiles(final ConfinedPaths paths, final Folders folders, final Predicate<String> hidden)
    {
        this.paths = paths;
        this.folders = folders;
        this.hidden = hidden;
    }

    // ------------------------------------------------------------------------------ byte files

    OutputStream createFile(final String path)
    {
        final Path file = paths.resolve(path);
        folders.create(file.getParent());
        try
        {
            return new ByteFileStreams.Output(new BufferedOutputStream(Files.newOutputStream(file), 8192), path);
        }
        catch (final IOException ex)
        {
            throw failure("create file", path, ex);
        }
    }

    InputStream openFile(final String path)
    {
        final Path file = paths.resolve(path);
        requireFile(file, path);
        try
        {
            return new ByteFileStreams.Input(Files.newInputStream(file), path);
        }
        catch (final IOException ex)
        {
            throw failure("open file", path, ex);
        }
    }

    byte[] readFile(final String path, final int maxLength)
    {
        final Path file = paths.resolve(path);
        requireFile(file, path);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long length = channel.size();
            if (length > maxLength)
            {
                throw DurabilityException.format(
                    "file is longer than allowed", path, 0, "at most " + maxLength + " bytes", length + " bytes");
            }
            final byte[] bytes = new byte[(int)length];
            final ByteBuffer target = ByteBuffer.wrap(bytes);
            while (target.hasRemaining() && channel.read(target) >= 0)
            {
                // read until full or end of file (the file may shrink meanwhile)
            }
            return target.hasRemaining() ? Arrays.copyOf(bytes, target.position()) : bytes;
        }
        catch (final IOException ex)
        {
            throw failure("read file", path, ex);
        }
    }

    boolean exists(final String path)
    {
        return Files.exists(paths.resolve(path));
    }

    long fileLength(final String path)
    {
        final Path file = paths.resolve(path);
        return requireFile(file, path).size();
    }

    void delete(final String path)
    {
        final Path file = paths.resolve(path);
        try
        {
            if (Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory())
            {
                throw notAFile(path);
            }
            Files.delete(file);
        }
        catch (final IOException ex)
        {
            throw Files.exists(file, LinkOption.NOFOLLOW_LINKS) ?
                failure("delete", path, ex) : failure("", path, new NoSuchFileException(path));
        }
    }

    void atomicRename(final String from, final String to)
    {
        rename(from, to);
    }

    void atomicWrite(final String path, final byte[] data)
    {
        final Path file = paths.resolve(path);
        folders.create(file.getParent());
        replace(file, path, writeTemp(file, path, data, data.length, false));
    }

    void createDirectories(final String path)
    {
        folders.create(paths.resolve(path));
    }

    List<String> list(final String dir)
    {
        RelativePath.validateDir(dir);
        final Path folder = dir.isEmpty() ? paths.root() : paths.resolve(dir);
        final List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder))
        {
            for (final Path entry : entries)
            {
                final String name = entry.getFileName().toString();
                if (!hidden.test(name))
                {
                    names.add(name);
                }
            }
        }
        catch (final NoSuchFileException | NotDirectoryException ex)
        {
            return names;
        }
        catch (final IOException ex)
        {
            throw failure("list", dir, ex);
        }
        Collections.sort(names);
        return names;
    }

    // ---------------------------------------------------------------------------------- barriers

    void syncFile(final String path)
    {
        final Path file = paths.resolve(path);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw failure("sync file", path, ex);
        }
    }

    void syncParentDir(final String path)
    {
        final Path dir = paths.resolve(path).getParent();
        Folders.sync(dir, path);
        folders.syncCreated(dir, path);
    }

    void atomicWriteDurable(final String path, final byte[] data, final int length)
    {
        final Path file = paths.resolve(path);
        folders.create(file.getParent());
        final Path temp = writeTemp(file, path, data, length, true);
        CrashPoints.hit(CrashPoints.ATOMIC_WRITE_BEFORE_RENAME);
        replace(file, path, temp);
        Folders.sync(file.getParent(), path);
        folders.syncCreated(file.getParent(), path);
    }

    void atomicRenameDurable(final String from, final String to)
    {
        final Path[] paths = rename(from, to);
        final Path fromDir = paths[0].getParent();
        final Path toDir = paths[1].getParent();
        Folders.sync(toDir, to);
        if (!fromDir.equals(toDir))
        {
            Folders.sync(fromDir, from);
        }
        folders.syncCreated(toDir, to);
    }

    // ----------------------------------------------------------------------------------- helpers

    static BasicFileAttributes requireFile(final Path file, final String path)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final IOException ex)
        {
            // "Not a directory" (a file where a folder is expected) also means there is no such file.
            throw Files.exists(file) ? failure("read attributes of", path, ex) : failure("", path, new NoSuchFileException(path));
        }
        if (attributes.isDirectory())
        {
            throw notAFile(path);
        }
        return attributes;
    }

    private static DurabilityException notAFile(final String path)
    {
        return DurabilityException.notFound("no file here: it is a folder", path, -1, "a file", "a folder");
    }

    private Path[] rename(final String from, final String to)
    {
        final Path source = paths.resolve(from);
        final Path target = paths.resolve(to);
        requireFile(source, from);
        folders.create(target.getParent());
        try
        {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final NoSuchFileException ex)
        {
            throw failure("rename", from, ex);
        }
        catch (final IOException ex)
        {
            throw failure("rename " + from + " to", to, ex);
        }
        return new Path[] {source, target};
    }

    private Path writeTemp(final Path file, final String path, final byte[] data, final int length, final boolean sync)
    {
        final String name = file.getFileName().toString();
        final Path temp = file.resolveSibling(
            "." + name.substring(0, Math.min(name.length(), 128)) + ".tmp-" + tempToken + "-" +
            tempSequence.incrementAndGet());
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final ByteBuffer source = ByteBuffer.wrap(data, 0, length);
            while (source.hasRemaining())
            {
                channel.write(source);
            }
            if (sync)
            {
                channel.force(true);
            }
        }
        catch (final IOException ex)
        {
            deleteQuietly(temp);
            throw failure("write", path, ex);
        }
        return temp;
    }

    private static void replace(final Path file, final String path, final Path temp)
    {
        try
        {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            deleteQuietly(temp);
            throw failure("replace", path, ex);
        }
    }

    static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignored)
        {
            // Only ever called on a failure path, which reports the original error.
        }
    }

    /** @return {@code ex} as the library's error: NOT_FOUND for a missing file, IO otherwise, naming the file. */
    static DurabilityException failure(final String what, final String path, final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return new DurabilityException(Kind.NOT_FOUND, "file does not exist", path, -1, null, null, ex);
        }
        return DurabilityException.io(what + " failed: " + ex, path, ex);
    }
}
