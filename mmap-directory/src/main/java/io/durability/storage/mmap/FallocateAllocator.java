package io.durability.storage.mmap;

import io.durability.testhook.CrashPoints;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Preallocation by {@code fallocate(2)} ({@link NativeIo}): the blocks are reserved as unwritten
 * extents, so a full disk fails here with "No space left on device", never as a {@code SIGBUS} on a
 * later store, and nothing is written: the file is not written to disk twice (zeros, then data), and
 * its pages are not in the page cache yet. Where the filesystem has no {@code fallocate}, or the
 * native call is not available, it zero-fills ({@link ZeroFillAllocator}), and on memory filesystems
 * (tmpfs, ramfs) it zero-fills by choice: nothing is written to a disk there, and zero-filled pages
 * measured cheaper to fault in.
 */
final class FallocateAllocator implements SegmentAllocator
{
    static final FallocateAllocator INSTANCE = new FallocateAllocator();

    private static final System.Logger LOG = System.getLogger("io.durability.storage.mmap");
    private static volatile boolean loggedFallback;

    private FallocateAllocator()
    {
    }

    @Override
    public void allocate(final Path file, final FileChannel channel, final long length) throws IOException
    {
        final Path folder = file.toAbsolutePath().getParent();
        if (folder != null && MemoryFilesystems.contains(folder))
        {
            // tmpfs and ramfs: no disk write to save, and a fallocated page costs more to fault in than a
            // zero-filled one (measured: bench/RESULTS.md, "Zero-fill against fallocate").
            ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
            return;
        }
        if (!NativeIo.available())
        {
            fallBack(file, channel, length, NativeIo.unavailableBecause());
            return;
        }
        final int errno = NativeIo.fallocate(file, length);
        if (errno == NativeIo.EOPNOTSUPP)
        {
            fallBack(file, channel, length, "the filesystem of " + file.getParent() + " has no fallocate");
            return;
        }
        if (errno != 0)
        {
            // fallocate may have reserved part of the range before it failed (ext4 keeps what it got
            // on ENOSPC): give it back at once, whatever the caller does next.
            channel.truncate(0);
            throw new IOException("fallocate of " + length + " bytes failed: errno " + errno +
                (errno == NativeIo.ENOSPC ? " (No space left on device)" : errno == NativeIo.EFBIG ? " (File too large)" : ""));
        }
        // A crash here leaves a file of full length, reserved and reading as zeros, not yet handed out.
        CrashPoints.hit(CrashPoints.PREALLOCATE_MID);
        final long size = channel.size();
        if (size != length)
        {
            throw new IOException("file is " + size + " bytes after fallocate of " + length);
        }
    }

    private static void fallBack(final Path file, final FileChannel channel, final long length, final String why)
        throws IOException
    {
        if (!loggedFallback)
        {
            loggedFallback = true;
            LOG.log(System.Logger.Level.INFO, "durability: segments are zero-filled, not fallocated: " + why);
        }
        ZeroFillAllocator.INSTANCE.allocate(file, channel, length);
    }
}
