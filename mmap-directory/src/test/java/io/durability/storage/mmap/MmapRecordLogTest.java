package io.durability.storage.mmap;

import io.durability.storage.Directory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Every test of the record log contract suite, on real memory-mapped files. */
class MmapRecordLogTest extends io.durability.recordlog.RecordLogContractTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }
}
