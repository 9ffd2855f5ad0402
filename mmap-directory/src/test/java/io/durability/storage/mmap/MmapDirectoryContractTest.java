package io.durability.storage.mmap;

import io.durability.storage.Directory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Every test of the Directory contract suite, on real memory-mapped files. */
class MmapDirectoryContractTest extends io.durability.storage.DirectoryContractTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }
}
