package io.durability.storage.mmap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Gives a new, empty segment file its full length with storage really allocated (no sparse holes),
 * so that stores through a mapping of it can never fault for want of a disk block.
 *
 * <p>The seam exists for fault injection: tests replace it with one that fails like a full disk.
 */
interface SegmentAllocator
{
    /**
     * Extend the empty file {@code file}, open as {@code channel}, to exactly {@code length} bytes,
     * all zero, with its blocks allocated. On failure the caller deletes the file.
     *
     * @throws IOException when the storage cannot be allocated (typically "No space left on device").
     */
    void allocate(Path file, FileChannel channel, long length) throws IOException;
}
