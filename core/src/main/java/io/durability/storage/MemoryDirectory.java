package io.durability.storage;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link Directory} held in memory: for tests, ephemeral state and as the reference model of the
 * contract.
 *
 * <p>Segment files are direct memory, so the same flyweights, CRC paths and codecs run as on a
 * memory-mapped file. Nothing here survives the process, so every durability barrier throws
 * {@link DurabilityException.Kind#NOT_SUPPORTED}; {@link #supportsDurability()} is {@code false}.
 * Locks are enforced within this instance (threads), which is the whole world of a memory
 * directory.
 *
 * <p>Segment memory is reused: when a segment file is gone (deleted, replaced or truncated) and
 * every handle to it is closed, its buffer waits in a small pool (at most {@value #POOL_BUFFERS}
 * buffers) and the next {@link #createSegment} of the same capacity takes it, zeroed, instead of
 * allocating fresh direct memory (whose first touch of every page costs a page fault: a 64 MiB roll
 * of a WAL that truncates as it goes). A handle that is still open keeps its bytes as they were, as
 * an open file would; a closed handle reads nothing (its buffer is empty).
 *
 * <p>Test aids: {@link #truncate(String, int)} shortens a file (a partial copy), and segment bytes
 * can be changed through {@link #openSegment(String, boolean)} to simulate damage.
 */
public final class MemoryDirectory implements Directory
{
    private final Object mutex = new Object();
    /** Buffers kept for reuse, in all. */
    static final int POOL_BUFFERS = 4;

    private final Map<String, Object> files = new TreeMap<>(); // value: byte[] or SegmentMemory
    private final java.util.ArrayDeque<ByteBuffer> pool = new java.util.ArrayDeque<>();
    private final Set<String> folders = new HashSet<>();
    private final Set<String> locks = new HashSet<>();

    /**
     * @throws DurabilityException INVALID_CONFIG when the JVM lacks {@link AgronaAccess#REQUIRED_FLAG}.
     */
    public MemoryDirectory()
    {
        AgronaAccess.ensure();
    }

    @Override
    public OutputStream createFile(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            ensureNotFolder(path);
            addParents(path);
            files.put(path, new byte[0]);
        }
        return new ByteArrayOutputStream()
        {
            private boolean closed;

            @Override
            public void close()
            {
                if (!closed)
                {
                    closed = true;
                    synchronized (mutex)
                    {
                        files.put(path, toByteArray());
                    }
                }
            }
        };
    }

    @Override
    public InputStream openFile(final String path)
    {
        return new ByteArrayInputStream(readFile(path, Integer.MAX_VALUE - 8));
    }

    @Override
    public byte[] readFile(final String path, final int maxLength)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            final Object node = existing(path);
            final long length = lengthOf(node);
            if (length > maxLength)
            {
                throw DurabilityException.format(
                    "file is longer than allowed", path, 0, "at most " + maxLength + " bytes", length + " bytes");
            }
            if (node instanceof byte[])
            {
                return ((byte[])node).clone();
            }
            final ByteBuffer bb = ((SegmentMemory)node).buffer.duplicate().clear();
            final byte[] copy = new byte[bb.remaining()];
            bb.get(copy);
            return copy;
        }
    }

    @Override
    public boolean exists(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            return files.containsKey(path) || folders.contains(path);
        }
    }

    @Override
    public long fileLength(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            final Object node = existing(path);
            return lengthOf(node);
        }
    }

    @Override
    public void delete(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            final Object node = files.remove(path);
            if (node == null)
            {
                throw DurabilityException.notFound(path);
            }
            gone(node);
        }
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        RelativePath.validate(from);
        RelativePath.validate(to);
        synchronized (mutex)
        {
            final Object node = files.get(from);
            if (node == null)
            {
                throw DurabilityException.notFound(from);
            }
            ensureNotFolder(to);
            files.remove(from);
            addParents(to);
            final Object replaced = files.put(to, node);
            if (replaced != null && replaced != node)
            {
                gone(replaced);
            }
        }
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        RelativePath.validate(path);
        final byte[] copy = data.clone();
        synchronized (mutex)
        {
            ensureNotFolder(path);
            addParents(path);
            final Object replaced = files.put(path, copy);
            if (replaced != null)
            {
                gone(replaced);
            }
        }
    }

    @Override
    public void createDirectories(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            if (files.containsKey(path))
            {
                throw DurabilityException.io("a file exists where a folder was asked for", path, null);
            }
            addParents(path + "/x");
        }
    }

    @Override
    public List<String> list(final String dir)
    {
        RelativePath.validateDir(dir);
        final String prefix = dir.isEmpty() ? "" : dir + "/";
        final TreeSet<String> names = new TreeSet<>();
        synchronized (mutex)
        {
            for (final String p : files.keySet())
            {
                addChild(prefix, p, names);
            }
            for (final String p : folders)
            {
                addChild(prefix, p, names);
            }
        }
        return new ArrayList<>(names);
    }

    @Override
    public Optional<Path> filePath(final String path)
    {
        RelativePath.validate(path);
        return Optional.empty();
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        RelativePath.validate(path);
        SegmentFiles.checkCapacity(path, capacity);
        synchronized (mutex)
        {
            if (files.containsKey(path))
            {
                throw DurabilityException.invalidState("segment file already exists", path);
            }
            ensureNotFolder(path);
            addParents(path);
            final SegmentMemory memory = new SegmentMemory(takeBuffer(capacity));
            files.put(path, memory);
            return new MemorySegment(path, memory, memory.buffer);
        }
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            Object node = existing(path);
            if (node instanceof byte[])
            {
                final byte[] bytes = (byte[])node;
                final ByteBuffer memory = ByteBuffer.allocateDirect(bytes.length);
                memory.put(bytes).clear();
                node = new SegmentMemory(memory);
                files.put(path, node);
            }
            final SegmentMemory memory = (SegmentMemory)node;
            final int usable = SegmentFiles.usableCapacity(memory.buffer.capacity());
            return new MemorySegment(path, memory, memory.buffer.duplicate().clear().limit(usable).slice());
        }
    }

    /**
     * Test aid: shorten a file to {@code length} bytes, as a partial copy or a filesystem that lost
     * the end of a file would leave it. Open segment handles keep their old view.
     *
     * @throws DurabilityException NOT_FOUND, INVALID_CONFIG (longer than the file).
     */
    public void truncate(final String path, final int length)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            final Object node = existing(path);
            if (length < 0 || length > lengthOf(node))
            {
                throw DurabilityException.invalidConfig("truncate length out of range", "0.." + lengthOf(node), length);
            }
            final byte[] copy = new byte[length];
            if (node instanceof byte[])
            {
                System.arraycopy((byte[])node, 0, copy, 0, length);
            }
            else
            {
                ((SegmentMemory)node).buffer.duplicate().clear().get(copy);
                gone(node);
            }
            files.put(path, copy);
        }
    }

    @Override
    public boolean supportsDurability()
    {
        return false;
    }

    @Override
    public void syncFile(final String path)
    {
        throw noStableStorage(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        throw noStableStorage(path);
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        throw noStableStorage(path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        throw noStableStorage(to);
    }

    @Override
    public DirectoryLock obtainLock(final String path)
    {
        RelativePath.validate(path);
        synchronized (mutex)
        {
            if (!locks.add(path))
            {
                throw DurabilityException.lockFailed(
                    "lock is held by another writer in this process; close it first", path, null);
            }
            if (!files.containsKey(path))
            {
                addParents(path);
                files.put(path, new byte[0]);
            }
        }
        return new DirectoryLock()
        {
            private boolean held = true;

            @Override
            public String path()
            {
                return path;
            }

            @Override
            public boolean isValid()
            {
                synchronized (mutex)
                {
                    return held;
                }
            }

            @Override
            public void close()
            {
                synchronized (mutex)
                {
                    if (held)
                    {
                        held = false;
                        locks.remove(path);
                    }
                }
            }
        };
    }

    @Override
    public void close()
    {
    }

    private static DurabilityException noStableStorage(final String path)
    {
        return DurabilityException.notSupported(
            "MemoryDirectory has no stable storage; use a filesystem Directory (MmapDirectory) for durability", path);
    }

    /** @return the node of file {@code path}; the caller holds {@link #mutex}. */
    private Object existing(final String path)
    {
        final Object node = files.get(path);
        if (node == null)
        {
            throw DurabilityException.notFound(path);
        }
        return node;
    }

    private static long lengthOf(final Object node)
    {
        return node instanceof byte[] ? ((byte[])node).length : ((SegmentMemory)node).buffer.capacity();
    }

    /** A zeroed buffer of {@code capacity} bytes: one from the pool, or fresh direct memory. Under the mutex. */
    private ByteBuffer takeBuffer(final int capacity)
    {
        for (final java.util.Iterator<ByteBuffer> it = pool.iterator(); it.hasNext(); )
        {
            final ByteBuffer b = it.next();
            if (b.capacity() == capacity)
            {
                it.remove();
                new UnsafeBuffer(b).setMemory(0, capacity, (byte)0);
                return b.clear();
            }
        }
        return ByteBuffer.allocateDirect(capacity);
    }

    /** A file's node left the namespace: its buffer is reusable once no handle is open. Under the mutex. */
    private void gone(final Object node)
    {
        if (node instanceof SegmentMemory m)
        {
            m.gone = true;
            recycleIfFree(m);
        }
    }

    private void recycleIfFree(final SegmentMemory m)
    {
        if (m.gone && m.handles == 0 && !m.recycled)
        {
            m.recycled = true;
            if (pool.size() == POOL_BUFFERS)
            {
                pool.removeFirst();
            }
            pool.addLast(m.buffer);
        }
    }

    /** A segment file's memory and how many handles are open on it. Guarded by the mutex. */
    private static final class SegmentMemory
    {
        final ByteBuffer buffer;
        int handles;
        boolean gone;
        boolean recycled;

        SegmentMemory(final ByteBuffer buffer)
        {
            this.buffer = buffer;
        }
    }

    private void ensureNotFolder(final String path)
    {
        if (folders.contains(path))
        {
            throw DurabilityException.io("a folder exists at this path", path, null);
        }
    }

    private void addParents(final String path)
    {
        String parent = RelativePath.parent(path);
        while (!parent.isEmpty())
        {
            if (files.containsKey(parent))
            {
                throw DurabilityException.io("a file exists where a folder is needed", parent, null);
            }
            folders.add(parent);
            parent = RelativePath.parent(parent);
        }
    }

    private static void addChild(final String prefix, final String path, final Set<String> names)
    {
        if (path.startsWith(prefix) && path.length() > prefix.length())
        {
            final String rest = path.substring(prefix.length());
            final int slash = rest.indexOf('/');
            names.add(slash < 0 ? rest : rest.substring(0, slash));
        }
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final class MemorySegment implements SegmentFile
    {
        private final String path;
        private final SegmentMemory node;
        private volatile ByteBuffer memory;
        private final UnsafeBuffer buffer;
        private volatile boolean closed;

        /** Under the mutex. */
        MemorySegment(final String path, final SegmentMemory node, final ByteBuffer memory)
        {
            this.path = path;
            this.node = node;
            this.memory = memory;
            this.buffer = new UnsafeBuffer(memory);
            node.handles++;
        }

        @Override
        public String path()
        {
            return path;
        }

        @Override
        public int capacity()
        {
            return buffer.capacity();
        }

        @Override
        public AtomicBuffer buffer()
        {
            return buffer;
        }

        @Override
        public ByteBuffer byteBuffer()
        {
            return memory;
        }

        @Override
        public void force(final int offset, final int length)
        {
            throw noStableStorage(path);
        }

        @Override
        public boolean supportsForce()
        {
            return false;
        }

        @Override
        public boolean isClosed()
        {
            return closed;
        }

        @Override
        public void close()
        {
            synchronized (mutex)
            {
                if (closed)
                {
                    return;
                }
                closed = true;
                // A closed handle reads nothing: its memory may go to the next segment.
                memory = EMPTY;
                buffer.wrap(EMPTY);
                node.handles--;
                recycleIfFree(node);
            }
        }
    }
}
