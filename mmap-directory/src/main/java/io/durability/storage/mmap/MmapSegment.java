package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A segment file of an {@link MmapDirectory}: one shared mapping of the file and the channel it was
 * mapped from, both owned until {@link #close()}.
 *
 * <p>The barrier is {@link Barrier#FDATASYNC} on Linux and {@link Barrier#MSYNC} elsewhere; see
 * {@link #force(int, int)}.
 */
final class MmapSegment implements SegmentFile
{
    /** How {@link #force} reaches stable storage. */
    enum Barrier
    {
        /** {@code FileChannel.force(false)}: {@code fdatasync(2)} of the whole file. */
        FDATASYNC,
        /** {@code MappedByteBuffer.force(index, length)}: {@code msync(MS_SYNC)} of the page-aligned range. */
        MSYNC
    }

    /** {@link Barrier#FDATASYNC} on Linux, where it covers mapped stores and measured faster; see {@link #force}. */
    static final Barrier BARRIER =
        System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux") ?
        Barrier.FDATASYNC : Barrier.MSYNC;

    private static final byte[] NO_BYTES = new byte[0];
    private static final ByteBuffer NO_BUFFER = ByteBuffer.allocateDirect(0);

    private final String path;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    private final UnsafeBuffer buffer;
    private final int capacity;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MappingReleaser releaser;
    private PageWarmer warmer;
    private PageWarmer.Target warm;
    private boolean ranged = BARRIER == Barrier.MSYNC;

    /**
     * @param path    the path relative to the directory root.
     * @param channel the channel the mapping came from; closed with this segment.
     * @param map     the mapping; unmapped with this segment.
     * @param releaser where {@link #close()} hands the unmap and channel close (off the closing
     *                 thread, bounded: see {@link MappingReleaser#release}), or {@code null} to do
     *                 both on the closing thread. Only writable segments have one: a read-only
     *                 segment is always released by its own {@code close()}.
     */
    MmapSegment(final String path, final FileChannel channel, final MappedByteBuffer map, final MappingReleaser releaser)
    {
        this.releaser = releaser;
        this.path = path;
        this.channel = channel;
        this.map = map;
        this.buffer = new UnsafeBuffer(map);
        this.capacity = map.capacity();
    }

    /**
     * Configure before the segment is handed out: warm the pages ahead of the writer with
     * {@code warmerOrNull}, and force with ranged {@code msync} ({@code ranged}) rather than
     * {@code fdatasync} of the whole file (which would write back every warmed page).
     */
    MmapSegment configure(final PageWarmer warmerOrNull, final boolean rangedBarrier)
    {
        this.ranged = rangedBarrier || warmerOrNull != null || BARRIER == Barrier.MSYNC;
        if (warmerOrNull != null)
        {
            this.warmer = warmerOrNull;
            this.warm = warmerOrNull.add(map, 0);
        }
        return this;
    }

    @Override
    public void written(final int tail)
    {
        final PageWarmer.Target t = warm;
        if (t != null)
        {
            t.tail = tail;
        }
    }

    @Override
    public String path()
    {
        return path;
    }

    @Override
    public int capacity()
    {
        return capacity;
    }

    @Override
    public AtomicBuffer buffer()
    {
        return buffer;
    }

    @Override
    public ByteBuffer byteBuffer()
    {
        return closed.get() ? NO_BUFFER : map;
    }

    /**
     * {@inheritDoc}
     *
     * <p>On Linux this is {@code fdatasync(2)} of the whole file ({@code FileChannel.force(false)}):
     * it writes back every dirty page of the file, those dirtied through this mapping included (the
     * write fault marks the page dirty in the page cache), and the metadata needed to read them back.
     * It covers more than asked, which the contract allows and which costs nothing for the WAL: it
     * forces one short dirty range per barrier, and a prepared segment's zeros were already synced.
     * It is also the faster of the two: {@code MmapForceBenchmark} (one 64-byte store, then the
     * barrier, on ext4) measured a median of 0.84 ms for {@code fdatasync} against 1.05 ms for the
     * ranged {@code msync(MS_SYNC)} of {@code MappedByteBuffer.force(index, length)} (means 0.93 and
     * 1.36 ms). POSIX promises mapped stores reach the disk only through {@code msync}, so other
     * systems use that. A length of 0 forces nothing.
     */
    @Override
    public void force(final int offset, final int length)
    {
        if (closed.get())
        {
            throw DurabilityException.invalidState("segment file is closed", path);
        }
        if (offset < 0 || length < 0 || (long)offset + length > capacity)
        {
            throw DurabilityException.invalidConfig("force range outside the segment", path, offset,
                "[0, " + capacity + ")", "[" + offset + ", " + ((long)offset + length) + ")");
        }
        if (length == 0)
        {
            return;
        }
        try
        {
            if (!ranged)
            {
                channel.force(false);
            }
            else
            {
                map.force(offset, length);
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            throw new DurabilityException(
                DurabilityException.Kind.IO, "durability barrier failed; the durability of recent writes is unknown: " + ex,
                path, offset, null, null, ex);
        }
    }

    @Override
    public boolean supportsForce()
    {
        return true;
    }

    @Override
    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * Unmap (not at garbage collection) and close the channel. A read-only segment, or any segment
     * of a directory without prepare-ahead, does both on the calling thread before this method
     * returns: its mapping and descriptor are gone whatever the preparing thread is doing. A
     * writable segment of a directory that prepares ahead hands both to the preparing thread (see
     * {@link MmapDirectory} and {@link MappingReleaser}), so a roll does not pay for {@code munmap}; at most
     * {@link MappingReleaser#MAX_PENDING} wait there, beyond that this thread releases at
     * once. The flyweight is first pointed at an empty array, so a later access through
     * {@link #buffer()} fails with an exception instead of touching unmapped memory; views of
     * {@link #byteBuffer()} taken before close must not be used.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        if (warm != null)
        {
            // Returns once no warming of this mapping is under way: only then may it be unmapped.
            warmer.remove(warm);
        }
        buffer.wrap(NO_BYTES);
        if (releaser != null)
        {
            releaser.release(map, channel);
        }
        else
        {
            release(map, channel);
        }
    }

    /** Unmap now and close the channel. */
    static void release(final MappedByteBuffer map, final FileChannel channel)
    {
        try
        {
            IoUtil.unmap(map);
        }
        finally
        {
            closeQuietly(channel);
        }
    }

    static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // Nothing was written through the channel itself; durability is the business of force().
        }
    }

    @Override
    public String toString()
    {
        return "MmapSegment{" + path + ", capacity=" + capacity + (closed.get() ? ", closed" : "") + '}';
    }
}
