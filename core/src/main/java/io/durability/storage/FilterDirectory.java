package io.durability.storage;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Directory} that forwards every call to another one: extend it to add one behaviour by
 * composition (fault injection, tracking, simulated power loss) and override only what changes.
 * Segment files are forwarded as they are; wrap them with {@link FilterSegmentFile} to intercept
 * their barriers.
 */
public class FilterDirectory implements Directory
{
    /** The directory calls are forwarded to. */
    protected final Directory in;

    /** @param in the directory to forward to. */
    public FilterDirectory(final Directory in)
    {
        this.in = in;
    }

    /** @return the directory calls are forwarded to. */
    public Directory delegate()
    {
        return in;
    }

    @Override
    public OutputStream createFile(final String path)
    {
        return in.createFile(path);
    }

    @Override
    public InputStream openFile(final String path)
    {
        return in.openFile(path);
    }

    @Override
    public byte[] readFile(final String path, final int maxLength)
    {
        return in.readFile(path, maxLength);
    }

    @Override
    public boolean exists(final String path)
    {
        return in.exists(path);
    }

    @Override
    public long fileLength(final String path)
    {
        return in.fileLength(path);
    }

    @Override
    public void delete(final String path)
    {
        in.delete(path);
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        in.atomicRename(from, to);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        in.atomicWrite(path, data);
    }

    @Override
    public void createDirectories(final String path)
    {
        in.createDirectories(path);
    }

    @Override
    public List<String> list(final String dir)
    {
        return in.list(dir);
    }

    @Override
    public Optional<Path> filePath(final String path)
    {
        return in.filePath(path);
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        return in.createSegment(path, capacity);
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return in.openSegment(path, writable);
    }

    @Override
    public boolean supportsDurability()
    {
        return in.supportsDurability();
    }

    @Override
    public void syncFile(final String path)
    {
        in.syncFile(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        in.syncParentDir(path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        in.atomicWriteDurable(path, data);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        in.atomicRenameDurable(from, to);
    }

    @Override
    public DirectoryLock obtainLock(final String path)
    {
        return in.obtainLock(path);
    }

    @Override
    public void close()
    {
        in.close();
    }
}
