package io.durability.storage.mmap;

import io.durability.storage.DirectoryLock;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lock of an {@link MmapDirectory}: an entry in the JVM-wide set of held lock files (threads, and
 * several directories on one folder, in this process) plus an OS lock on the file (other processes).
 */
final class MmapLock implements DirectoryLock
{
    /**
     * Real paths of the lock files held in this JVM. Checked before the file is even opened: POSIX
     * locks belong to the process, and closing any descriptor of the file would drop the holder's.
     */
    static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final String path;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final AtomicBoolean released = new AtomicBoolean();

    MmapLock(final String path, final Path key, final FileChannel channel, final FileLock lock)
    {
        this.path = path;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    @Override
    public String path()
    {
        return path;
    }

    @Override
    public boolean isValid()
    {
        return !released.get() && lock.isValid();
    }

    @Override
    public void close()
    {
        if (!released.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            lock.release();
        }
        catch (final IOException ignored)
        {
            // Closing the channel below releases it as well.
        }
        finally
        {
            MmapSegment.closeQuietly(channel);
            HELD.remove(key);
        }
    }

    @Override
    public String toString()
    {
        return "MmapLock{" + path + (released.get() ? ", released" : "") + '}';
    }
}
