package io.durability.storage.mmap;

import io.durability.storage.Directory;
import org.junit.jupiter.api.AfterEach;

import java.nio.file.Path;

/** Every test of the record log contract suite, on real memory-mapped files. */
class MmapRecordLogTest extends io.durability.recordlog.RecordLogContractTest
{
    private Path folder;

    @Override
    protected Directory newDirectory()
    {
        folder = TestFolders.create("mmap-contract");
        return MmapDirectory.open(folder);
    }

    @AfterEach
    void deleteFolder()
    {
        dir.close(); // runs before the superclass's @AfterEach; closing twice is fine
        TestFolders.delete(folder);
    }
}
