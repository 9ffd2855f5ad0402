package io.durability.cli;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.walog.WalOptions;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;

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
     * folder, and a tool pointed at the wrong path must say so instead.
     *
     * @throws CliFailure NOT_FOUND when DIR or its WAL folder is missing.
     */
    Wal open()
    {
        if (!Files.isDirectory(dir))
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "not a folder: " + dir);
        }
        final WalOptions options = WalOptions.defaults().withWalDir(walDir);
        if (!Files.isDirectory(dir.resolve(options.walDir())))
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "not a WAL: no " + options.walDir() + "/ folder in " + dir);
        }
        return new Wal(openDirectory(dir), options);
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
        @Override
        public void close()
        {
            directory.close();
        }
    }
}
