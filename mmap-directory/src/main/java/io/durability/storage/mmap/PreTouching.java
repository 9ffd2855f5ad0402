package io.durability.storage.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The page-warming step of spare preparation. Its one job: touch the pages of a freshly mapped
 * spare as {@link PreTouch} says, on the preparing thread, so the appending thread does not take
 * those faults. {@link PreTouch#AUTO} is decided from the file store of the spare's folder, once
 * per folder ({@link MemoryFilesystems}). The continuous warming
 * that follows a writer's tail is {@link PageWarmer}'s, hooked to a segment by
 * {@link MmapSegment#configure}.
 *
 * <p>Thread-safe.
 */
final class PreTouching
{
    private static final int PAGE_SIZE = 4096;
    /** One shared, never written, direct buffer of zeros for {@link PreTouch#CACHE}. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final PreTouch mode;

    PreTouching(final PreTouch mode)
    {
        this.mode = mode;
    }

    /** Touch {@code map} ({@code capacity} bytes, all zero, of {@code channel}) of a spare in folder {@code realFolder}. */
    void touch(final FileChannel channel, final MappedByteBuffer map, final int capacity, final Path realFolder)
        throws IOException
    {
        touch(channel, map, capacity, mode == PreTouch.AUTO ? auto(realFolder) : mode);
    }

    private static void touch(final FileChannel channel, final MappedByteBuffer map, final int capacity, final PreTouch how)
        throws IOException
    {
        if (how == PreTouch.CACHE)
        {
            // Zeros over zeros, through write(2) and never synced: the page cache then holds every page
            // of the file (the blocks stay as the allocator made them durable: reserved, reading as
            // zeros after any crash), and the writer's first stores map them many pages per fault.
            final ByteBuffer zeros = ZEROS.duplicate();
            for (long at = PAGE_SIZE; at < capacity; at += zeros.capacity())
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), capacity - at));
                while (zeros.hasRemaining())
                {
                    channel.write(zeros, at + zeros.position());
                }
            }
        }
        // The first page always takes a store: the writer's header goes there first, and the first
        // barrier after the roll forces that page anyway. It spares the roll one write fault on the
        // appending thread (about 0.1 ms measured on ext4).
        map.put(0, (byte)0);
        if (how == PreTouch.READ)
        {
            map.load();
        }
        else if (how == PreTouch.WRITE)
        {
            for (int i = 0; i < capacity; i += PAGE_SIZE)
            {
                map.put(i, (byte)0); // the spare is all zero: only the page's state changes
            }
        }
    }

    /** {@link PreTouch#AUTO}: read on memory filesystems (pages stay writable), nothing elsewhere. */
    static PreTouch auto(final Path dir)
    {
        return MemoryFilesystems.contains(dir) ? PreTouch.READ : PreTouch.NONE;
    }
}
