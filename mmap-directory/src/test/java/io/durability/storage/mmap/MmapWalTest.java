package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.WalContractTest;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Every WAL contract test, on real memory-mapped files (durable: watermark-based torn tails). */
class MmapWalTest extends WalContractTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }

    @Override
    protected void truncateFile(final Directory directory, final String path, final int length)
    {
        try (FileChannel channel = FileChannel.open(directory.filePath(path).orElseThrow(), StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
