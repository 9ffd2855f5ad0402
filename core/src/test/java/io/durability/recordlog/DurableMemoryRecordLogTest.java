package io.durability.recordlog;

import io.durability.storage.Directory;
import io.durability.testing.SyncRecordingDirectory;

class DurableMemoryRecordLogTest extends RecordLogContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new SyncRecordingDirectory();
    }
}
