package io.durability.testing;

import io.durability.storage.DurabilityException;
import io.durability.storage.FilterDirectory;
import io.durability.storage.FilterSegmentFile;
import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test directory: memory that claims stable storage, records every barrier (and deletion, so tests
 * can check order), can be told to fail the next barriers, and counts open segment handles. Lets
 * core test the durable code paths (watermarks, poisoning, publish order) without a filesystem.
 */
public final class SyncRecordingDirectory extends FilterDirectory
{
    private final List<String> events = new ArrayList<>();
    private final AtomicInteger openSegments = new AtomicInteger();
    private int failNextBarriers;

    /** A fresh, empty directory. */
    public SyncRecordingDirectory()
    {
        super(new MemoryDirectory());
    }

    /**
     * @return the barriers performed so far, as "force path offset length", "syncdir path",
     * "syncfile path"..., interleaved with the deletions ("delete path") so tests can check order.
     */
    public synchronized List<String> barriers()
    {
        return new ArrayList<>(events);
    }

    /** Make the next {@code n} barriers fail with an IO error. */
    public synchronized void failNextBarriers(final int n)
    {
        failNextBarriers = n;
    }

    /** @return segment handles created or opened and not yet closed. */
    public int openSegments()
    {
        return openSegments.get();
    }

    /** @return the memory directory underneath (for damage injection). */
    @Override
    public MemoryDirectory delegate()
    {
        return (MemoryDirectory)in;
    }

    private synchronized void barrier(final String what)
    {
        if (failNextBarriers > 0)
        {
            failNextBarriers--;
            throw DurabilityException.io("injected barrier failure: " + what, null, null);
        }
        events.add(what);
    }

    @Override
    public void delete(final String path)
    {
        in.delete(path);
        synchronized (this)
        {
            events.add("delete " + path);
        }
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        return new Recording(in.createSegment(path, capacity));
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Recording(in.openSegment(path, writable));
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
        in.atomicWrite(path, data);
        barrier("atomicwrite " + path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        in.atomicRename(from, to);
        barrier("atomicrename " + from + " " + to);
    }

    private final class Recording extends FilterSegmentFile
    {
        private boolean counted = true;

        Recording(final SegmentFile inner)
        {
            super(inner);
            openSegments.incrementAndGet();
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
        public void close()
        {
            if (counted)
            {
                counted = false;
                openSegments.decrementAndGet();
            }
            super.close();
        }
    }
}
