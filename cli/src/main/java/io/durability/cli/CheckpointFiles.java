package io.durability.cli;

import io.durability.checkpoint.CheckpointDescriptor;
import io.durability.checkpoint.CheckpointFile;
import io.durability.checkpoint.CheckpointInfo;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** Finds checkpoint files under a directory root and reads their headers, for {@code inspect}. */
final class CheckpointFiles
{
    /** The folder {@code CheckpointPublisher.forSegmentIndex} writes to. */
    static final String DEFAULT_FOLDER = "checkpoints";

    /**
     * Deep enough for the publisher's folder and a few levels of application layout, shallow enough
     * that pointing the tool at a large data folder does not walk all of it.
     */
    private static final int MAX_DEPTH = 4;

    private CheckpointFiles()
    {
    }

    /**
     * @return the paths, relative to {@code root} with {@code /} separators and sorted, of every
     * {@code *.chk} file and every file in {@code checkpoints/} (hidden temporary files excepted),
     * outside the WAL folder.
     */
    static List<String> find(final Path root, final String walDir)
    {
        final Path wal = root.resolve(walDir).normalize();
        final Path defaultFolder = root.resolve(DEFAULT_FOLDER).normalize();
        final List<String> found = new ArrayList<>();
        try
        {
            Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
                {
                    return dir.normalize().equals(wal) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                {
                    final String name = file.getFileName().toString();
                    final boolean inDefault = defaultFolder.equals(file.getParent().normalize()) && !name.startsWith(".");
                    if (attrs.isRegularFile() && (name.endsWith(".chk") || inDefault))
                    {
                        found.add(relative(root, file));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException ex)
                {
                    // An unreadable corner of the folder must not hide the checkpoints elsewhere.
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + root + ": " + ex.getMessage(), ex);
        }
        found.sort(null);
        return found;
    }

    /** @return {@code file} relative to {@code root}, with the {@code /} separators Directory paths use. */
    static String relative(final Path root, final Path file)
    {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** @return the header fields of a checkpoint, or what is wrong with it, in one line. */
    static String describe(final Directory directory, final String path)
    {
        try
        {
            final CheckpointInfo info = CheckpointFile.inspect(directory, path, CheckpointDescriptor.DEFAULT_MAX_PAYLOAD);
            return "last applied id " + info.lastAppliedId() + ", payload " + Text.count(info.payloadLength()) +
                " bytes, version " + info.formatVersion() + ", CRCs ok";
        }
        catch (final DurabilityException ex)
        {
            return "PROBLEM: " + ex.getMessage();
        }
    }
}
