package io.durability.testing;

import io.durability.storage.DurabilityException;
import io.durability.storage.FilterDirectory;
import io.durability.storage.FilterSegmentFile;
import io.durability.storage.MemoryDirectory;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFile;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A test Directory that claims stable storage and remembers exactly what each barrier made durable,
 * so that {@link #powerCut} can produce an on-disk image a real power loss could leave:
 * <ul>
 *   <li><b>Content</b>: pages (4 KiB) written since the last barrier covering them are, each at
 *   random, lost (old content), kept (new content) or torn at 512-byte sector granularity (a mix
 *   of old and new sectors). A file whose size was never made durable may come back empty.</li>
 *   <li><b>Names</b>: creates, renames and deletes form a log; those a folder sync made durable
 *   always survive, and of the rest each name keeps a random prefix of its own history, so unsynced
 *   creates, renames and deletes of different names survive in any order.</li>
 *   <li><b>Segment files</b> (as the Directory contract says) have their full length and zero content
 *   durable from creation; only their folder entry can be lost.</li>
 * </ul>
 * Everything a barrier covered survives byte for byte. Use it like any directory; after a cut, use
 * the returned directory (the old one must not be used again).
 */
public final class PowerLossDirectory extends FilterDirectory
{
    /** Page size of the simulated page cache. */
    public static final int PAGE = 4096;
    /** Sector size: the unit a device writes atomically. */
    public static final int SECTOR = 512;

    private static final class Inode
    {
        byte[] durable; // null: size never made durable
    }

    private record NameOp(String path, Inode inode, boolean durable)
    {
        // inode == null: the name was removed
    }

    private final MemoryDirectory live;
    private final Map<String, Inode> names = new HashMap<>();
    private final List<NameOp> log = new ArrayList<>();
    private final Map<String, Inode> durableNames;
    private long barriers;
    private long tempCounter;
    private long cutAtBarrier = -1;
    private SplittableRandom cutRandom;

    /** Thrown by the barrier during which the power fails (see {@link #failDuringBarrier}). */
    public static final class PowerFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        PowerFailure(final long barrier)
        {
            super("power failed during barrier " + barrier);
        }
    }

    /**
     * Arm a power failure inside barrier number {@code barrier} (counted as {@link #barriers()} + 1
     * for the next one): that barrier makes a random part of its pages durable, then throws
     * {@link PowerFailure}, and the caller must {@link #powerCut} without using the directory again.
     */
    public synchronized void failDuringBarrier(final long barrier, final SplittableRandom random)
    {
        cutAtBarrier = barrier;
        cutRandom = random;
    }

    private boolean failingNow()
    {
        return cutAtBarrier == barriers + 1;
    }

    /** An empty directory. */
    public PowerLossDirectory()
    {
        this(Map.of());
    }

    private PowerLossDirectory(final Map<String, byte[]> image)
    {
        super(new MemoryDirectory());
        this.live = (MemoryDirectory)in;
        this.durableNames = new HashMap<>();
        for (final Map.Entry<String, byte[]> e : new TreeMap<>(image).entrySet())
        {
            final Inode inode = new Inode();
            inode.durable = e.getValue().clone();
            live.atomicWrite(e.getKey(), e.getValue());
            names.put(e.getKey(), inode);
            durableNames.put(e.getKey(), inode);
        }
    }

    /**
     * Simulate a process crash without a power cut: every open handle and lock of this directory is
     * dead, but nothing is lost (the page cache survives), and what barriers made durable so far stays
     * what a later {@link #powerCut} starts from.
     *
     * @return a directory with the same files and the same durable state.
     */
    public synchronized PowerLossDirectory processCrash()
    {
        final PowerLossDirectory copy = new PowerLossDirectory(Map.of());
        // Inodes are copied, not shared: whatever the dead process's threads still do to this directory
        // (a syncer finishing its barrier, a close) must not reach the copy's durable state.
        final Map<Inode, Inode> copies = new java.util.IdentityHashMap<>();
        final java.util.function.Function<Inode, Inode> copyOf = inode -> inode == null ? null :
            copies.computeIfAbsent(inode, i ->
            {
                final Inode c = new Inode();
                c.durable = i.durable == null ? null : i.durable.clone();
                return c;
            });
        for (final Map.Entry<String, Inode> e : names.entrySet())
        {
            copy.live.atomicWrite(e.getKey(), live.readFile(e.getKey(), Integer.MAX_VALUE - 8));
            copy.names.put(e.getKey(), copyOf.apply(e.getValue()));
        }
        for (final NameOp op : log)
        {
            copy.log.add(new NameOp(op.path(), copyOf.apply(op.inode()), op.durable()));
        }
        for (final Map.Entry<String, Inode> e : durableNames.entrySet())
        {
            copy.durableNames.put(e.getKey(), copyOf.apply(e.getValue()));
        }
        copy.barriers = barriers;
        copy.tempCounter = tempCounter;
        return copy;
    }

    /** @return the name operations not yet made durable, oldest first, as "path create|delete" (for failure messages). */
    public synchronized List<String> unsyncedNameOps()
    {
        final List<String> out = new ArrayList<>();
        for (final NameOp op : log)
        {
            if (!op.durable())
            {
                out.add(op.path() + (op.inode() == null ? " delete" : " create"));
            }
        }
        return out;
    }

    /** @return how many barriers have completed. */
    public synchronized long barriers()
    {
        return barriers;
    }

    /**
     * Simulate a power loss now: every open handle of this directory is dead.
     *
     * @return a directory holding what the disk could show afterwards, chosen with {@code random}.
     */
    public synchronized PowerLossDirectory powerCut(final SplittableRandom random)
    {
        return cut(random, false);
    }

    /**
     * Simulate the harshest power loss: nothing that no barrier covered survives (every unsynced
     * page lost, every unsynced create, rename and delete undone).
     *
     * @return a directory holding exactly what barriers made durable.
     */
    public synchronized PowerLossDirectory powerCutKeepingOnlyDurable()
    {
        return cut(new SplittableRandom(0), true);
    }

    private PowerLossDirectory cut(final SplittableRandom random, final boolean onlyDurable)
    {
        final Map<String, Inode> ns = new HashMap<>(durableNames);
        // Folder entries no sync covered reach the disk in any order across names (POSIX promises
        // nothing): each name keeps a random prefix of its own unsynced history.
        final Map<String, Integer> unsyncedOps = new HashMap<>();
        for (final NameOp op : log)
        {
            if (!op.durable())
            {
                unsyncedOps.merge(op.path(), 1, Integer::sum);
            }
        }
        final Map<String, Integer> keep = new HashMap<>();
        for (final Map.Entry<String, Integer> e : new TreeMap<>(unsyncedOps).entrySet())
        {
            keep.put(e.getKey(), onlyDurable ? 0 : random.nextInt(e.getValue() + 1));
        }
        final Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < log.size(); i++)
        {
            final NameOp op = log.get(i);
            final boolean kept = !op.durable() && seen.merge(op.path(), 1, Integer::sum) <= keep.get(op.path());
            if (op.durable() || kept)
            {
                if (op.inode() == null)
                {
                    ns.remove(op.path());
                }
                else
                {
                    ns.put(op.path(), op.inode());
                }
            }
        }
        final Map<Inode, String> livePathOf = new HashMap<>();
        for (final Map.Entry<String, Inode> e : names.entrySet())
        {
            livePathOf.put(e.getValue(), e.getKey());
        }
        final Map<Inode, byte[]> cut = new HashMap<>();
        final Map<String, byte[]> image = new HashMap<>();
        for (final Map.Entry<String, Inode> e : ns.entrySet())
        {
            final Inode inode = e.getValue();
            byte[] content = cut.get(inode);
            if (content == null)
            {
                final String livePath = livePathOf.get(inode);
                final byte[] now = livePath == null || onlyDurable ? null : live.readFile(livePath, Integer.MAX_VALUE - 8);
                content = mix(inode.durable, now, random);
                cut.put(inode, content);
            }
            image.put(e.getKey(), content);
        }
        return new PowerLossDirectory(image);
    }

    private static byte[] mix(final byte[] durable, final byte[] now, final SplittableRandom random)
    {
        if (now == null)
        {
            return durable == null ? new byte[0] : durable.clone();
        }
        if (durable == null && random.nextInt(3) == 0)
        {
            return new byte[0];
        }
        final byte[] old = durable == null ? new byte[now.length] : durable;
        final byte[] out = new byte[now.length];
        System.arraycopy(old, 0, out, 0, Math.min(old.length, out.length));
        for (int page = 0; page < now.length; page += PAGE)
        {
            final int end = Math.min(now.length, page + PAGE);
            if (java.util.Arrays.equals(old, Math.min(page, old.length), Math.min(end, old.length), now, page, end) &&
                end <= old.length)
            {
                continue;
            }
            final int choice = random.nextInt(3);
            if (choice == 1)
            {
                System.arraycopy(now, page, out, page, end - page);
            }
            else if (choice == 2)
            {
                for (int s = page; s < end; s += SECTOR)
                {
                    if (random.nextBoolean())
                    {
                        System.arraycopy(now, s, out, s, Math.min(end, s + SECTOR) - s);
                    }
                }
            }
        }
        return out;
    }

    private synchronized void barrierDone()
    {
        barriers++;
    }

    private synchronized void bindName(final String path, final Inode inode)
    {
        names.put(path, inode);
        log.add(new NameOp(path, inode, false));
    }

    private synchronized void unbindName(final String path)
    {
        names.remove(path);
        log.add(new NameOp(path, null, false));
    }

    private synchronized Inode inodeOf(final String path)
    {
        final Inode inode = names.get(path);
        if (inode == null)
        {
            throw DurabilityException.notFound(path);
        }
        return inode;
    }

    private synchronized void makeContentDurable(final String path, final int offset, final int length)
    {
        final Inode inode = inodeOf(path);
        final byte[] now = live.readFile(path, Integer.MAX_VALUE - 8);
        if (inode.durable == null || inode.durable.length != now.length)
        {
            final byte[] resized = new byte[now.length];
            if (inode.durable != null)
            {
                System.arraycopy(inode.durable, 0, resized, 0, Math.min(now.length, inode.durable.length));
            }
            inode.durable = resized;
        }
        final int from = Math.max(0, (offset / PAGE) * PAGE);
        final int to = (int)Math.min(now.length, (long)offset + length);
        if (failingNow())
        {
            for (int page = from; page < to; page += PAGE)
            {
                if (cutRandom.nextBoolean())
                {
                    System.arraycopy(now, page, inode.durable, page, Math.min(to, page + PAGE) - page);
                }
            }
            throw new PowerFailure(cutAtBarrier);
        }
        System.arraycopy(now, from, inode.durable, from, Math.max(0, to - from));
    }

    private synchronized void makeFolderDurable(final String folder)
    {
        final boolean failing = failingNow();
        if (failing && cutRandom.nextBoolean())
        {
            throw new PowerFailure(cutAtBarrier);
        }
        for (int i = 0; i < log.size(); i++)
        {
            final NameOp op = log.get(i);
            if (!op.durable() && RelativePath.parent(op.path()).equals(folder))
            {
                log.set(i, new NameOp(op.path(), op.inode(), true));
                if (op.inode() == null)
                {
                    durableNames.remove(op.path());
                }
                else
                {
                    durableNames.put(op.path(), op.inode());
                }
            }
        }
        if (failing)
        {
            throw new PowerFailure(cutAtBarrier);
        }
    }

    @Override
    public OutputStream createFile(final String path)
    {
        RelativePath.validate(path);
        live.atomicWrite(path, new byte[0]);
        bindName(path, new Inode());
        return new ByteArrayOutputStream()
        {
            @Override
            public void close()
            {
                live.atomicWrite(path, toByteArray());
            }
        };
    }

    @Override
    public void delete(final String path)
    {
        live.delete(path);
        unbindName(path);
    }

    @Override
    public void atomicRename(final String from, final String to)
    {
        live.atomicRename(from, to);
        final Inode inode = inodeOf(from);
        unbindName(from);
        bindName(to, inode);
    }

    @Override
    public void atomicWrite(final String path, final byte[] data)
    {
        RelativePath.validate(path);
        final String temp = path + ".tmp" + (++tempCounter);
        live.atomicWrite(temp, data);
        bindName(temp, new Inode());
        atomicRename(temp, path);
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        // The Directory contract: a segment file has its full length and zeros from creation on (an
        // mmap directory prepares, syncs and renames it); only its folder entry may be lost.
        final SegmentFile inner = live.createSegment(path, capacity);
        final Inode inode = new Inode();
        inode.durable = new byte[capacity];
        bindName(path, inode);
        return new Segment(inner);
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Segment(live.openSegment(path, writable));
    }

    @Override
    public boolean supportsDurability()
    {
        return true;
    }

    @Override
    public void syncFile(final String path)
    {
        makeContentDurable(path, 0, Integer.MAX_VALUE);
        barrierDone();
    }

    @Override
    public void syncParentDir(final String path)
    {
        RelativePath.validate(path);
        makeFolderDurable(RelativePath.parent(path));
        barrierDone();
    }

    @Override
    public void atomicWriteDurable(final String path, final byte[] data)
    {
        RelativePath.validate(path);
        final String temp = path + ".tmp" + (++tempCounter);
        live.atomicWrite(temp, data);
        bindName(temp, new Inode());
        syncFile(temp);
        atomicRenameDurable(temp, path);
    }

    @Override
    public void atomicRenameDurable(final String from, final String to)
    {
        atomicRename(from, to);
        makeFolderDurable(RelativePath.parent(to));
        if (!RelativePath.parent(to).equals(RelativePath.parent(from)))
        {
            makeFolderDurable(RelativePath.parent(from));
        }
        barrierDone();
    }

    private final class Segment extends FilterSegmentFile
    {
        Segment(final SegmentFile inner)
        {
            super(inner);
        }

        @Override
        public void force(final int offset, final int length)
        {
            makeContentDurable(path(), offset, length);
            barrierDone();
        }

        @Override
        public boolean supportsForce()
        {
            return true;
        }
    }
}
