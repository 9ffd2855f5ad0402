package io.durability.testing;

import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wraps a Directory and fails the n-th call of a chosen kind with an injected IO error, like the
 * seed's faulty directory. Durable compound operations are decomposed (write a temporary file, sync
 * it, rename, sync the folder) so a fault can hit each step.
 */
public final class FaultInjectingDirectory implements Directory
{
    /** The kinds of call a fault can hit. */
    public enum Op
    {
        /** createFile, createSegment. */
        CREATE,
        /** atomicWrite (and the write step of atomicWriteDurable). */
        WRITE,
        /** syncFile, SegmentFile.force. */
        SYNC,
        /** atomicRename (and the rename steps of durable operations). */
        RENAME,
        /** syncParentDir (and the folder steps of durable operations). */
        DIR_SYNC,
        /** delete. */
        DELETE
    }

    private final Directory delegate;
    private final Map<Op, Integer> counts = new EnumMap<>(Op.class);
    private Op failOp;
    private int failAt = -1;
    private boolean failed;

    /** Wrap {@code delegate}; no fault until {@link #failOn} is called. */
    public FaultInjectingDirectory(final Directory delegate)
    {
        this.delegate = delegate;
    }

    /** Fail the {@code nth} (0-based, counted from now) call of {@code op}, once. */
    public synchronized void failOn(final Op op, final int nth)
    {
        counts.clear();
        failOp = op;
        failAt = nth;
        failed = false;
    }

    /** @return whether the planned fault has fired. */
    public synchronized boolean fired()
    {
        return failed;
    }

    /** @return calls of {@code op} seen since the last {@link #failOn}. */
    public synchronized int count(final Op op)
    {
        return counts.getOrDefault(op, 0);
    }

    /** @return the wrapped directory. */
    public Directory delegate()
    {
        return delegate;
    }

    private synchronized void check(final Op op, final String path)
    {
        final int n = counts.merge(op, 1, Integer::sum) - 1;
        if (op == failOp && n == failAt && !failed)
        {
            failed = true;
            throw DurabilityException.io("injected fault: " + op + " #" + n, path, null);
        }
    }

    @Override
    public OutputStream createFile(final String path)
    {
        check(Op.CREATE, path);
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
        check(Op.DELETE, path);
        delegate.delete(path);
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        check(Op.RENAME, to);
        delegate.atomicRename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        check(Op.WRITE, path);
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
        check(Op.CREATE, path);
        return new Faulty(delegate.createSegment(path, capacity));
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Faulty(delegate.openSegment(path, writable));
    }

    @Override
    public boolean supportsDurability()
    {
        return delegate.supportsDurability();
    }

    @Override
    public void syncFile(final String path)
    {
        check(Op.SYNC, path);
        delegate.syncFile(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        check(Op.DIR_SYNC, path);
        delegate.syncParentDir(path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        if (!delegate.supportsDurability())
        {
            delegate.atomicWriteDurable(path, data);
            return;
        }
        final String temp = path + ".publish-tmp";
        check(Op.WRITE, temp);
        delegate.atomicWrite(temp, data);
        syncFile(temp);
        atomicRenameDurable(temp, path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        if (!delegate.supportsDurability())
        {
            delegate.atomicRenameDurable(from, to);
            return;
        }
        atomicRename(from, to);
        syncParentDir(to);
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

    private final class Faulty implements SegmentFile
    {
        private final SegmentFile inner;

        Faulty(final SegmentFile inner)
        {
            this.inner = inner;
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
            check(Op.SYNC, inner.path());
            inner.force(offset, length);
        }

        @Override
        public boolean supportsForce()
        {
            return inner.supportsForce();
        }

        @Override
        public boolean isClosed()
        {
            return inner.isClosed();
        }

        @Override
        public void close()
        {
            inner.close();
        }
    }
}
