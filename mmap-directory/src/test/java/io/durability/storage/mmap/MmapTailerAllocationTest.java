package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.TailerAllocationTest;
import org.junit.jupiter.api.AfterEach;

import java.nio.file.Path;

/** A tailer's idle polls and in-place deliveries allocate nothing on memory-mapped files either. */
class MmapTailerAllocationTest extends TailerAllocationTest
{
    private Path folder;

    @Override
    protected Directory newDirectory()
    {
        folder = TestFolders.create("mmap-tailer-alloc");
        return MmapDirectory.open(folder);
    }

    @AfterEach
    void deleteFolder()
    {
        TestFolders.delete(folder);
    }
}
