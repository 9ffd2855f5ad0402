package io.durability.storage.mmap;

/**
 * How an {@link MmapDirectory} gives a new segment file its blocks before it is mapped. Either way
 * the blocks are reserved when the file is created, so a full disk fails {@code createSegment} (or
 * the preparation of a spare, which then falls back to the calling thread and fails there) with an
 * error naming the file, never as a {@code SIGBUS} on a later store through the mapping.
 */
public enum Preallocation
{
    /**
     * Write zeros through the file channel, 64 KiB at a time (portable Java). Every segment is then
     * written to disk twice (zeros, then data), and the page cache holds its pages from the start.
     */
    ZERO_FILL,
    /**
     * {@code fallocate(2)} through JNA (Linux; a dependency of this module, loaded on first use): blocks
     * reserved as unwritten extents, nothing written. The default. Falls back to {@link #ZERO_FILL},
     * with one log line (INFO), where JNA does not load (excluded from the class path, another
     * system), where the filesystem has no {@code fallocate}, and on Java 24 and later when the JVM was
     * not started with {@code --enable-native-access=ALL-UNNAMED}: there loading JNA would make the JVM
     * print a warning, which a library must not do unasked. {@code -Ddurability.mmap.noNative=true}
     * turns native calls off everywhere.
     *
     * <p>Measured on the benchmarks' VM (ext4): the first store into a page 1.8 µs against 6.0-6.5 µs
     * for a zero-filled file, sustained 1 KiB appends 14-18 % cheaper, {@code flushAndSync} the same
     * within the disk's drift; and each segment is written to disk once, not twice.
     */
    FALLOCATE
}
