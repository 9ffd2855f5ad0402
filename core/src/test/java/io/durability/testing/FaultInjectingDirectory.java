package io.durability.testing;

import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.FilterDirectory;
import io.durability.storage.FilterSegmentFile;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFile;

import java.io.OutputStream;
import java.util.EnumMap;
import java.util.Map;

/**
 * Wraps a Directory and fails the n-th call of a chosen kind with an injected IO error, like the
 * seed's faulty directory. Durable compound operations are decomposed (write a temporary file, sync
 * it, rename, sync the folder) so a fault can hit each step.
 */
public final class FaultInjectingDirectory extends FilterDirectory
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

    private final Map<Op, Integer> counts = new EnumMap<>(Op.class);
    private Op failOp;
    private int failAt = -1;
    private boolean failed;

    /** Wrap {@code delegate}; no fault until {@link #failOn} is called. */
    public FaultInjectingDirectory(final Directory delegate)
    {
        super(delegate);
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
        return in.createFile(path);
    }

    @Override
    public void delete(final String path)
    {
        check(Op.DELETE, path);
        in.delete(path);
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        check(Op.RENAME, to);
        in.atomicRename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        check(Op.WRITE, path);
        in.atomicWrite(path, data);
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        check(Op.CREATE, path);
        return new Faulty(in.createSegment(path, capacity));
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Faulty(in.openSegment(path, writable));
    }

    @Override
    public void syncFile(final String path)
    {
        check(Op.SYNC, path);
        in.syncFile(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        check(Op.DIR_SYNC, path);
        in.syncParentDir(path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        if (!in.supportsDurability())
        {
            in.atomicWriteDurable(path, data);
            return;
        }
        final String temp = path + ".publish-tmp";
        check(Op.WRITE, temp);
        in.atomicWrite(temp, data);
        syncFile(temp);
        atomicRenameDurable(temp, path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        if (!in.supportsDurability())
        {
            in.atomicRenameDurable(from, to);
            return;
        }
        atomicRename(from, to);
        syncParentDir(to);
        if (!RelativePath.parent(from).equals(RelativePath.parent(to)))
        {
            syncParentDir(from);
        }
    }

    private final class Faulty extends FilterSegmentFile
    {
        Faulty(final SegmentFile inner)
        {
            super(inner);
        }

        @Override
        public void force(final int offset, final int length)
        {
            check(Op.SYNC, path());
            super.force(offset, length);
        }
    }
}
