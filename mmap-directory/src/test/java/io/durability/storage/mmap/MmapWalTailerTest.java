package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.WalTailerTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * Every tailer test on memory-mapped files, where durable-only delivery follows real barriers (the
 * watermark lags one barrier) and a roll renames a spare prepared in the background.
 */
class MmapWalTailerTest extends WalTailerTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }
}
