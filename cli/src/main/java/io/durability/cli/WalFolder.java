package io.durability.cli;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import io.durability.walog.WalLayout;
import io.durability.walog.WalMaintenance;
import io.durability.walog.WalOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The {@code DIR} argument and {@code --wal-dir} option of every command that reads a WAL, and the
 * one way they open it: refusing, rather than creating, a folder that is not there.
 */
final class WalFolder
{
    @Parameters(index = "0", paramLabel = "DIR", description = "The folder holding the WAL (its directory root).")
    Path dir;

    @Option(names = "--wal-dir", paramLabel = "NAME", defaultValue = WalOptions.DEFAULT_WAL_DIR,
        description = "The WAL folder inside DIR (default: ${DEFAULT-VALUE}).")
    String walDir;

    /**
     * Open {@code DIR} for reading and repair. {@link MmapDirectory#open} would create a missing
     * folder, and a tool pointed at the wrong path must say so instead; a folder that holds no
     * segment files is not a WAL, whatever its name (an empty WAL still has its first segment).
     *
     * @throws CliFailure USAGE for a {@code --wal-dir} that is not a relative path inside DIR;
     *                    NOT_FOUND when DIR or its WAL folder is missing or holds no segment file.
     */
    Wal open()
    {
        final WalOptions options = options();
        if (!Files.isDirectory(dir))
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "not a folder: " + dir);
        }
        final Path walFolder = dir.resolve(options.walDir());
        if (!Files.isDirectory(walFolder))
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "not a WAL: no " + options.walDir() + "/ folder in " + dir +
                suggestion(dir, options.walDir()));
        }
        // An empty folder is a WAL whose writer died before its first segment (clean, no entries); a
        // folder of other files is not one.
        final long[] entries = countEntries(walFolder);
        final long others = entries[1];
        if (entries[0] == 0 && others > 0)
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "not a WAL: " + walFolder + " holds no segment file (" +
                WalLayout.segmentPath("", 1) + ", ...) but " + others + " other file" + (others == 1 ? "" : "s") +
                suggestion(dir, options.walDir()));
        }
        return new Wal(openDirectory(dir), options);
    }

    /** @return the WAL options for {@code --wal-dir}; a path that is not relative and inside DIR is bad usage. */
    WalOptions options()
    {
        try
        {
            return WalOptions.defaults().withWalDir(walDir);
        }
        catch (final DurabilityException ex)
        {
            throw new CliFailure(ExitCodes.USAGE, "--wal-dir '" + walDir + "': " + ex.getMessage() +
                " (a folder inside DIR, such as " + WalOptions.DEFAULT_WAL_DIR + ")", ex);
        }
    }

    /** @return advice when DIR looks like the WAL folder itself (a common slip), or {@code ""}. */
    private static String suggestion(final Path dir, final String walDir)
    {
        if (countEntries(dir)[0] > 0)
        {
            final Path parent = dir.toAbsolutePath().normalize().getParent();
            final String name = dir.toAbsolutePath().normalize().getFileName().toString();
            if (parent != null)
            {
                return "; " + dir + " holds segment files itself: it is a WAL folder, so name the folder above it, " +
                    parent + (name.equals(walDir) ? "" : ", with --wal-dir " + name);
            }
        }
        return "";
    }

    /**
     * @return {@code [segment files, other entries]} in {@code folder}, in one listing; hidden names (a
     * lock, a spare) are neither. {@code [0, 0]} when the folder cannot be listed.
     */
    private static long[] countEntries(final Path folder)
    {
        final long[] counts = new long[2];
        try (Stream<Path> files = Files.list(folder))
        {
            files.map(f -> f.getFileName().toString()).forEach(n ->
            {
                if (WalLayout.parseSegmentId(n) > 0)
                {
                    counts[0]++;
                }
                else if (!n.startsWith("."))
                {
                    counts[1]++;
                }
            });
        }
        catch (final IOException ex)
        {
            return new long[2];
        }
        return counts;
    }

    /**
     * An mmap directory that prepares no spare segment files: a tool must leave the folder as it
     * found it, apart from what a repair cuts.
     */
    static MmapDirectory openDirectory(final Path folder)
    {
        return MmapDirectory.open(folder, MmapOptions.defaults().withPrepareAhead(false));
    }

    /** An opened WAL folder; closing it closes the directory. */
    record Wal(MmapDirectory directory, WalOptions options) implements AutoCloseable
    {
        /**
         * @return about how many bytes of frames a scan of the whole WAL reads, for a progress total:
         * every segment's length but the final one's, and the final one up to its last non-zero byte
         * (a final segment is mostly unused, and a bar over its capacity would stop far short).
         */
        long bytesInUse()
        {
            return WalMaintenance.bytesInUse(directory, options);
        }

        /** @return a progress bar over {@link #bytesInUse()}, drawn on a terminal only. */
        Progress progress(final java.io.PrintWriter err, final String label)
        {
            return Progress.bar(err, label, Progress.drawing() ? bytesInUse() : 1);
        }

        @Override
        public void close()
        {
            directory.close();
        }
    }
}
