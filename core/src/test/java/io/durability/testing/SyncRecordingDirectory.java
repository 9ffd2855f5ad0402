package io.durability.testing;

import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Test directory: memory that claims stable storage, records every barrier, and can be told to fail
 * the next one. Lets core test the durable code paths (watermarks, poisoning) without a filesystem.
 */
public final class SyncRecordingDirectory implements Directory
{
    private final MemoryDirectory delegate = new MemoryDirectory();
    private final List<String> barriers = new ArrayList<>();
    private int failNextBarriers;
    private final java.util.concurrent.atomic.AtomicInteger openSegments = new java.util.concurrent.atomic.AtomicInteger();

    /** @return segment handles created or opened and not yet closed. */
    public int openSegments()
    {
        return openSegments.get();
    }

    /**
     * @return the barriers performed so far, as "force path offset length", "syncdir path",
     * "syncfile path"..., interleaved with the deletions ("delete path") so tests can check order.
     */
    public synchronized List<String> barriers()
    {
        return new ArrayList<>(barriers);
    }

    /** Make the next {@code n} barriers fail with an IO error. */
    public synchronized void failNextBarriers(final int n)
    {
        failNextBarriers = n;
    }

    /** @return the memory directory underneath (for damage injection). */
    public MemoryDirectory delegate()
    {
        return delegate;
    }

    private synchronized void barrier(final String what)
    {
        if (failNextBarriers > 0)
        {
            failNextBarriers--;
            throw DurabilityException.io("injected barrier failure: " + what, null, null);
        }
        barriers.add(what);
    }

    @Override
    public OutputStream createFile(final String path)
    {
        return delegate.createFile(path);
    }

    @Override
    public InputStream openFile(final String path)
    {
        return delegate.openFile(path);
    }

    @Override
    public byte[] readFile(final String path, final int maxLength)
    {
        return delegate.readFile(path, maxLength);
    }

    @Override
    public boolean exists(final String path)
    {
        return delegate.exists(path);
    }

    @Override
    public long fileLength(final String path)
    {
        return delegate.fileLength(path);
    }

    @Override
    public void delete(final String path)
    {
        delegate.delete(path);
        synchronized (this)
        {
            barriers.add("delete " + path);
        }
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        delegate.atomicRename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        delegate.atomicWrite(path, data);
    }

    @Override
    public void createDirectories(final String path)
    {
        delegate.createDirectories(path);
    }

    @Override
    public List<String> list(final String dir)
    {
        return delegate.list(dir);
    }

    @Override
    public Optional<Path> filePath(final String path)
    {
        return delegate.filePath(path);
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        return new Recording(delegate.createSegment(path, capacity));
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Recording(delegate.openSegment(path, writable));
    }

    @Override
    public boolean supportsDurability()
    {
        return true;
    }

    @Override
    public void syncFile(final String path)
    {
        barrier("syncfile " + path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        barrier("syncdir " + path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        delegate.atomicWrite(path, data);
        barrier("atomicwrite " + path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        delegate.atomicRename(from, to);
        barrier("atomicrename " + from + " " + to);
    }

    @Override
    public DirectoryLock obtainLock(final String path)
    {
        return delegate.obtainLock(path);
    }

    @Override
    public void close()
    {
        delegate.close();
    }

    private final class Recording implements SegmentFile
    {
        private final SegmentFile inner;

        private boolean counted = true;

        Recording(final SegmentFile inner)
        {
            this.inner = inner;
            openSegments.incrementAndGet();
        }

        @Override
        public String path()
        {
            return inner.path();
        }

        @Override
        public int capacity()
        {
            return inner.capacity();
        }

        @Override
        public AtomicBuffer buffer()
        {
            return inner.buffer();
        }

        @Override
        public ByteBuffer byteBuffer()
        {
            return inner.byteBuffer();
        }

        @Override
        public void force(final int offset, final int length)
        {
            if (offset < 0 || length < 0 || offset + length > capacity())
            {
                throw new AssertionError("force out of range: " + offset + "+" + length + " > " + capacity());
            }
            barrier("force " + path() + " " + offset + " " + length);
        }

        @Override
        public boolean supportsForce()
        {
            return true;
        }

        @Override
        public boolean isClosed()
        {
            return inner.isClosed();
        }

        @Override
        public void close()
        {
            if (counted)
            {
                counted = false;
                openSegments.decrementAndGet();
            }
            inner.close();
        }
    }
}
