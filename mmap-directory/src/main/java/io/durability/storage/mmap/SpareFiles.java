package io.durability.storage.mmap;

import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spare segment files on disk. Its one job: the life of a spare as a file, from creation to
 * hand-over or deletion. A spare is named {@value #SPARE_PREFIX}{@code <pid>-<instance>-<n>}{@value #SPARE_SUFFIX}
 * (never a WAL segment name, hidden from listings); {@link #create} allocates it through the
 * {@link SegmentAllocator}, makes that durable with {@code fdatasync} (so the first barrier after
 * the roll writes only what the log wrote), maps it read-write, has its pages touched and keeps an
 * OS lock on it while it is a spare. {@link #removeStale(Path)} deletes only spares nobody holds
 * (left by a process that died), so a second process opening the same root cannot pull a live
 * spare from under its owner.
 *
 * <p>Which spare serves which roll, and on which thread, is {@link SegmentPreparer}'s business.
 */
final class SpareFiles
{
    static final String SPARE_PREFIX = ".mmap-prepared-";
    static final String SPARE_SUFFIX = ".tmp";

    private static final AtomicLong INSTANCES = new AtomicLong();
    /** Spares owned by this JVM (real paths): never touched by {@link #removeStale}, whoever calls it. */
    private static final Set<Path> LIVE_SPARES = ConcurrentHashMap.newKeySet();

    private final SegmentAllocator allocator;
    private final PreTouching touching;
    private final String token = ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
    private final AtomicLong sequence = new AtomicLong();

    SpareFiles(final SegmentAllocator allocator, final PreTouching touching)
    {
        this.allocator = allocator;
        this.touching = touching;
    }

    /** @return the token that makes this instance's spare names unique ({@code <pid>-<instance>}). */
    String token()
    {
        return token;
    }

    /** @return whether {@code name} is a spare's file name (hidden from listings). */
    static boolean isSpareName(final String name)
    {
        return name.startsWith(SPARE_PREFIX) && name.endsWith(SPARE_SUFFIX);
    }

    /**
     * Create a spare of {@code capacity} bytes in {@code realFolder}, a real path: its name is
     * made there, not resolved again. On failure nothing is left: no mapping, no descriptor, no file.
     */
    Spare create(final Path realFolder, final int capacity) throws IOException
    {
        final Path file = realFolder.resolve(SPARE_PREFIX + token + "-" + sequence.incrementAndGet() + SPARE_SUFFIX);
        LIVE_SPARES.add(file);
        FileChannel channel = null;
        MappedByteBuffer map = null;
        boolean prepared = false;
        try
        {
            channel = FileChannel.open(
                file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock lock = channel.tryLock();
            allocator.allocate(file, channel, capacity);
            channel.force(false);
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
            touching.touch(channel, map, capacity, realFolder);
            prepared = true;
            return new Spare(file, capacity, channel, map, lock);
        }
        finally
        {
            if (!prepared)
            {
                if (map != null)
                {
                    IoUtil.unmap(map);
                }
                if (channel != null)
                {
                    MmapSegment.closeQuietly(channel);
                }
                deleteQuietly(file);
                LIVE_SPARES.remove(file);
            }
        }
    }

    /**
     * Delete spares directly in folder {@code root} (not below) that no process holds: those a
     * process left when it died.
     * Best effort: a spare that cannot be inspected is left alone (it is never read as data).
     */
    static void removeStale(final Path root)
    {
        try
        {
            Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), 1, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs)
                {
                    if (attrs.isRegularFile() && isSpareName(file.getFileName().toString()))
                    {
                        deleteIfUnheld(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException exc)
                {
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ignored)
        {
            // The walk itself reports failures per file above; nothing else to clean.
        }
    }

    private static void deleteIfUnheld(final Path file)
    {
        if (LIVE_SPARES.contains(file))
        {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            final FileLock lock = channel.tryLock();
            if (lock != null)
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException | OverlappingFileLockException ignored)
        {
            // Held by someone, or gone: not stale.
        }
    }

    private static void deleteQuietly(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignored)
        {
            // A leftover spare is harmless: it is not a segment name, and the next open removes it.
        }
    }

    /** A prepared spare: allocated, durable, mapped, locked against removeStale of other processes. */
    static final class Spare
    {
        final Path file;
        final int capacity;
        final FileChannel channel;
        final MappedByteBuffer map;
        final FileLock lock;

        Spare(final Path file, final int capacity, final FileChannel channel, final MappedByteBuffer map, final FileLock lock)
        {
            this.file = file;
            this.capacity = capacity;
            this.channel = channel;
            this.map = map;
            this.lock = lock;
        }

        /** After the rename: the file is a segment now, no longer protected as a spare. */
        void handedOver()
        {
            LIVE_SPARES.remove(file);
            if (lock != null)
            {
                try
                {
                    lock.release();
                }
                catch (final IOException ignored)
                {
                    // Closing the segment's channel releases it anyway.
                }
            }
        }

        /** Unmap, close and delete the spare: it will serve no roll. */
        void discard()
        {
            try
            {
                IoUtil.unmap(map);
            }
            finally
            {
                MmapSegment.closeQuietly(channel);
                deleteQuietly(file);
                LIVE_SPARES.remove(file);
            }
        }
    }
}
