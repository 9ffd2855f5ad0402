package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.WalTailerTest;
import org.junit.jupiter.api.AfterEach;

import java.nio.file.Path;

/**
 * Every tailer test on memory-mapped files, where durable-only delivery follows real barriers (the
 * watermark lags one barrier) and a roll renames a spare prepared in the background.
 */
class MmapWalTailerTest extends WalTailerTest
{
    private Path folder;

    @Override
    protected Directory newDirectory()
    {
        folder = TestFolders.create("mmap-tailer");
        return MmapDirectory.open(folder);
    }

    @AfterEach
    void deleteFolder()
    {
        dir.close(); // runs before the superclass's @AfterEach; closing twice is fine
        TestFolders.delete(folder);
    }
}
