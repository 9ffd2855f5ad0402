package io.durability.checkpoint;

import io.durability.storage.Directory;
import io.durability.testing.SyncRecordingDirectory;

class DurableCheckpointTest extends CheckpointContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new SyncRecordingDirectory();
    }
}
