package io.durability.recordlog;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;

class MemoryRecordLogTest extends RecordLogContractTest
{
    @Override
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }
}
