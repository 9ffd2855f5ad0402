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
     * {@code fallocate(2)} through JNA (Linux, JNA on the class path): blocks reserved as unwritten
     * extents, nothing written. Falls back to {@link #ZERO_FILL}, with one log line, where JNA does not
     * load or the filesystem has no {@code fallocate}. On Java 24 and later the JVM prints a warning
     * when JNA first loads its native library, unless started with
     * {@code --enable-native-access=ALL-UNNAMED}: a warning, not an error (checked on Temurin 25).
     */
    FALLOCATE
}
