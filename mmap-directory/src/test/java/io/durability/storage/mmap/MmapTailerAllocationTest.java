package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.TailerAllocationTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** A tailer's idle polls and in-place deliveries allocate nothing on memory-mapped files either. */
class MmapTailerAllocationTest extends TailerAllocationTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }
}
