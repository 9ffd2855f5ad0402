package io.durability.walog;

import io.durability.storage.Directory;
import io.durability.testing.SyncRecordingDirectory;

class DurableMemoryWalProperties extends WalProperties
{
    @Override
    protected Directory newDirectory()
    {
        return new SyncRecordingDirectory();
    }

    @Override
    protected void truncateFile(final Directory directory, final String path, final int length)
    {
        ((SyncRecordingDirectory)directory).delegate().truncate(path, length);
    }
}
