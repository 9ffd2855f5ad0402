package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Folders of an {@link MmapDirectory}. Its one job: create folders under the root and make them
 * durable. It remembers each folder it created until the folder's parent has been synced, so that
 * a barrier on a path ({@link #syncCreated}) also makes the folders on its way durable: the first
 * segment of a new WAL folder does not vanish with its folder at a power loss.
 *
 * <p>Thread-safe.
 */
final class Folders
{
    private final ConfinedPaths paths;
    private final Set<Path> unsynced = ConcurrentHashMap.newKeySet();

    /**
     * @param paths       the root's paths.
     * @param createdRoot whether the root was created by this directory (its parent is then synced
     *                    at the first folder barrier).
     */
    Folders(final ConfinedPaths paths, final boolean createdRoot)
    {
        this.paths = paths;
        if (createdRoot)
        {
            unsynced.add(paths.root());
        }
    }

    /** Create {@code dir} and its missing parents, remembering which ones this directory created. */
    void create(final Path dir)
    {
        if (Files.isDirectory(dir))
        {
            return;
        }
        final Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent())
        {
            missing.push(p);
        }
        for (final Path p : missing)
        {
            try
            {
                Files.createDirectory(p);
                unsynced.add(p);
            }
            catch (final FileAlreadyExistsException ex)
            {
                if (!Files.isDirectory(p))
                {
                    throw new DurabilityException(
                        Kind.IO, "a file exists where a folder is needed", paths.relative(p), -1, "a folder", "a file", ex);
                }
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("create folder", paths.relative(p), ex);
            }
        }
    }

    /**
     * {@link #create(Path)} of {@code target}'s folder, unless the check that made {@code target}
     * already saw that folder as a folder (then there is nothing to create or to ask again).
     */
    void create(final ConfinedPaths.Target target)
    {
        if (!target.isFolder())
        {
            create(target.file().getParent());
        }
    }

    /** {@code fsync(2)} the folder {@code dir}; {@code forPath} names the file it is for in errors. */
    static void sync(final Path dir, final String forPath)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw FsFiles.failure("sync folder of", forPath, ex);
        }
    }

    /** Sync the parent of each folder from {@code dir} up to the root that this directory created. */
    void syncCreated(final Path dir, final String forPath)
    {
        for (Path p = dir; p != null; p = p.equals(paths.root()) ? null : p.getParent())
        {
            if (unsynced.remove(p))
            {
                try
                {
                    sync(p.getParent(), forPath);
                }
                catch (final RuntimeException ex)
                {
                    unsynced.add(p);
                    throw ex;
                }
            }
        }
    }
}
