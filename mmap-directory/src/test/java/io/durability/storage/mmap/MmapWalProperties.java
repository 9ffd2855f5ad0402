package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.WalProperties;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/** The seed's WAL property suite on real memory-mapped files. */
class MmapWalProperties extends WalProperties
{
    private static Path parent;
    private static final AtomicLong COUNTER = new AtomicLong();

    @BeforeContainer
    static void createParent()
    {
        parent = TestFolders.create("durability-mmap-props-");
    }

    @AfterContainer
    static void deleteParent()
    {
        TestFolders.delete(parent);
    }

    @Override
    protected Directory newDirectory()
    {
        // Spares are not prepared ahead: thousands of short-lived directories would each start one.
        return MmapDirectory.open(parent.resolve("d" + COUNTER.incrementAndGet()),
            MmapOptions.defaults().withPrepareAhead(false));
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
