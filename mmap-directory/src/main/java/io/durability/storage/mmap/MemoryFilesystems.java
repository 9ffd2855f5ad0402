package io.durability.storage.mmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a folder is on a memory filesystem (tmpfs, ramfs), where pages read once through a shared
 * mapping stay writable, no writeback cleans them and nothing reaches a disk. Three choices follow
 * from it: {@link PreTouch#AUTO} reads ahead there, {@link FallocateAllocator} zero-fills there, and
 * the page warmer leaves such segments alone. Asked once per folder: finding a folder's file store is
 * a scan of the mount table on Linux, which a roll must not pay.
 */
final class MemoryFilesystems
{
    /** Folders remembered before the cache starts again (a process rarely uses more than a few). */
    private static final int MAX_FOLDERS = 4096;
    private static final Map<Path, Boolean> FOLDERS = new ConcurrentHashMap<>();

    private MemoryFilesystems()
    {
    }

    /** @return whether {@code folder} (as given: callers pass the real or the absolute path) is on tmpfs or ramfs. */
    static boolean contains(final Path folder)
    {
        final Boolean known = FOLDERS.get(folder);
        if (known != null)
        {
            return known;
        }
        if (FOLDERS.size() >= MAX_FOLDERS)
        {
            FOLDERS.clear();
        }
        final boolean memory = ask(folder);
        FOLDERS.put(folder, memory);
        return memory;
    }

    private static boolean ask(final Path folder)
    {
        try
        {
            final String type = Files.getFileStore(folder).type();
            return "tmpfs".equals(type) || "ramfs".equals(type);
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }
}
