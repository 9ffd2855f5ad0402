package io.durability.checkpoint;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;

class MemoryCheckpointTest extends CheckpointContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }
}
