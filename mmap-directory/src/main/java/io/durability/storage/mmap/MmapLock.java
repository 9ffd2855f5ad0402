package io.durability.storage.mmap;

import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lock of an {@link MmapDirectory}: an entry in the JVM-wide set of held lock files (threads, and
 * several directories on one folder, in this process) plus an OS lock on the file (other processes).
 * Its one job: take such a lock ({@link #obtain}) and hold it until {@link #close()}.
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

    /**
     * Take the lock on {@code file} (already confined, its folder existing): refused first by the
     * JVM-wide set of held lock files (without opening the file: closing any descriptor of a file
     * drops this process's POSIX lock on it), then by {@link FileChannel#tryLock()}. The holder's pid
     * is written into the file for the error message of the next one who tries.
     *
     * @throws DurabilityException LOCK_FAILED when it is held, IO.
     */
    static MmapLock obtain(final Path file, final String path)
    {
        final Path key = lockKey(file, path);
        if (!HELD.add(key))
        {
            throw DurabilityException.lockFailed(
                "lock is held by another writer in this process (a thread or another directory on the same " +
                "folder); close it first", path, null);
        }
        FileChannel channel = null;
        boolean held = false;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                throw DurabilityException.lockFailed("lock is held elsewhere in this process; close it first", path, ex);
            }
            if (lock == null)
            {
                throw DurabilityException.lockFailed(
                    "lock is held by another process" + holder(channel) +
                    "; stop it, or wait for it to exit (the OS releases the lock when the process dies)", path, null);
            }
            writeHolder(channel);
            held = true;
            return new MmapLock(path, key, channel, lock);
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("lock", path, ex);
        }
        finally
        {
            if (!held)
            {
                if (channel != null)
                {
                    MmapSegment.closeQuietly(channel);
                }
                HELD.remove(key);
            }
        }
    }

    private static Path lockKey(final Path file, final String path)
    {
        try
        {
            return Files.exists(file) ? file.toRealPath() : file.getParent().toRealPath().resolve(file.getFileName());
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("lock", path, ex);
        }
    }

    private static String holder(final FileChannel channel)
    {
        try
        {
            final ByteBuffer bytes = ByteBuffer.allocate(64);
            channel.read(bytes, 0);
            final String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "" : " (" + text + ")";
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static void writeHolder(final FileChannel channel)
    {
        try
        {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(
                ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        }
        catch (final IOException ignored)
        {
            // Diagnostics only: the lock is held either way.
        }
    }

    private MmapLock(final String path, final Path key, final FileChannel channel, final FileLock lock)
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
