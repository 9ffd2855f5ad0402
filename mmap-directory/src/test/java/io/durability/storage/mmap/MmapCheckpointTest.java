package io.durability.storage.mmap;

import io.durability.storage.Directory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Every test of the checkpoint contract suite (durable writes), on real memory-mapped files. */
class MmapCheckpointTest extends io.durability.checkpoint.CheckpointContractTest
{
    @TempDir
    Path folder;

    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folder);
    }
}
