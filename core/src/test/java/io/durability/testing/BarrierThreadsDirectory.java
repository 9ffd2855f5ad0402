package io.durability.testing;

import io.durability.storage.Directory;
import io.durability.storage.FilterDirectory;
import io.durability.storage.FilterSegmentFile;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records, for every barrier (segment force, file sync, folder sync), the name of the thread that
 * made it and which file it was, and can fail every barrier from a chosen one on: lets tests check
 * that the appending thread makes none under a background sync policy, that a failed background
 * barrier is never retried, and that every sealed segment and the folder were synced.
 */
public final class BarrierThreadsDirectory extends FilterDirectory
{
    private final Map<String, Integer> byThread = new TreeMap<>();
    private final List<String> events = new ArrayList<>();
    private long barriers;
    private long failFrom = Long.MAX_VALUE;

    /** Wrap {@code in}, which must support durability for the barriers to mean anything. */
    public BarrierThreadsDirectory(final Directory in)
    {
        super(in);
    }

    /** Make barrier number {@code n} (1-based, counted from the first barrier ever) and every later one fail. */
    public synchronized void failFromBarrier(final long n)
    {
        failFrom = n;
    }

    /** @return barriers attempted so far (failed ones included). */
    public synchronized long barriers()
    {
        return barriers;
    }

    /** @return barriers per thread name. */
    public synchronized Map<String, Integer> byThread()
    {
        return new TreeMap<>(byThread);
    }

    /** @return "force path", "syncfile path", "syncdir path" in order. */
    public synchronized List<String> events()
    {
        return new ArrayList<>(events);
    }

    private synchronized void record(final String what)
    {
        barriers++;
        byThread.merge(Thread.currentThread().getName(), 1, Integer::sum);
        events.add(what);
        if (barriers >= failFrom)
        {
            throw io.durability.storage.DurabilityException.io("injected barrier failure #" + barriers + ": " + what, null, null);
        }
    }

    @Override
    public SegmentFile createSegment(final String path, final int capacity)
    {
        return new Recorded(in.createSegment(path, capacity));
    }

    @Override
    public SegmentFile openSegment(final String path, final boolean writable)
    {
        return new Recorded(in.openSegment(path, writable));
    }

    @Override
    public void syncFile(final String path)
    {
        record("syncfile " + path);
        in.syncFile(path);
    }

    @Override
    public void syncParentDir(final String path)
    {
        record("syncdir " + path);
        in.syncParentDir(path);
    }

    private final class Recorded extends FilterSegmentFile
    {
        Recorded(final SegmentFile in)
        {
            super(in);
        }

        @Override
        public void force(final int offset, final int length)
        {
            record("force " + path());
            in.force(offset, length);
        }
    }
}
