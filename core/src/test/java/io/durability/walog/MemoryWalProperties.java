package io.durability.walog;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;

class MemoryWalProperties extends WalProperties
{
    @Override
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }

    @Override
    protected void truncateFile(final Directory directory, final String path, final int length)
    {
        ((MemoryDirectory)directory).truncate(path, length);
    }
}
