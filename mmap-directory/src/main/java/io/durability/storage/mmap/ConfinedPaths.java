package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.RelativePath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Paths of an {@link MmapDirectory}, confined to its root. Its one job: turn a relative path into a
 * path under the root, or refuse it. Every path is checked lexically by {@link RelativePath#validate}
 * ({@code ..}, absolute paths, empty or odd segments), and the nearest existing file or folder on
 * it is resolved with {@link Path#toRealPath} and must lie inside the root (so a symbolic link out
 * of the root, or one that does not resolve, is refused with {@link Kind#INVALID_CONFIG}), at
 * every call. Nothing about a path is remembered from one call to the next: a folder swapped for a
 * symbolic link between two calls is refused at the second. Caching a folder's check across calls
 * would need a way to know the folder was not swapped since, which costs the same system calls as
 * the check itself.
 *
 * <p>Immutable; thread-safe.
 */
final class ConfinedPaths
{
    /**
     * What one confinement check learned about a path that is to be created, so that the caller
     * does not ask the file system again within the same call.
     *
     * @param file       the path under the root (not a real path).
     * @param existing   the attributes of {@code file} itself, links not followed, or {@code null}
     *                   when nothing is there.
     * @param realFolder the real path of {@code file}'s folder, checked to lie inside the root, or
     *                   {@code null} when that folder does not exist (yet).
     * @param isFolder   whether {@code file}'s folder was seen to be a folder (not a link, not a file).
     */
    record Target(Path file, BasicFileAttributes existing, Path realFolder, boolean isFolder)
    {
    }

    private final Path root;

    /** @param root the real path of an existing folder. */
    ConfinedPaths(final Path root)
    {
        this.root = root;
    }

    /** @return the real path of the root folder. */
    Path root()
    {
        return root;
    }

    /**
     * @return the path of {@code path} under the root, after checking it lexically and checking that
     * its nearest existing part resolves inside the root.
     */
    Path resolve(final String path)
    {
        RelativePath.validate(path);
        final Path file = root.resolve(path);
        confine(path, file);
        return file;
    }

    /**
     * {@link #resolve}, keeping what the check saw of the path and its folder: the same checks, made
     * the same way, and nothing more.
     */
    Target resolveTarget(final String path)
    {
        RelativePath.validate(path);
        final Path file = root.resolve(path);
        return confine(path, file);
    }

    /**
     * Walk up from {@code file} to the nearest part that exists (links not followed), resolve it and
     * refuse it unless it lies inside the root.
     *
     * @return what was learned on the way.
     */
    private Target confine(final String path, final Path file)
    {
        final Path folder = file.getParent();
        for (Path p = file; p != null && !p.equals(root); p = p.getParent())
        {
            final BasicFileAttributes attributes = lstat(p);
            if (attributes != null)
            {
                final Path real;
                try
                {
                    real = p.toRealPath();
                }
                catch (final IOException ex)
                {
                    throw refused(path, "it goes through a symbolic link that does not resolve", ex);
                }
                if (!real.startsWith(root))
                {
                    throw refused(path, "it resolves through a symbolic link to " + real + ", outside the root " + root, null);
                }
                if (p == file)
                {
                    return new Target(file, attributes, null, false);
                }
                final boolean isParent = p.equals(folder);
                return new Target(file, null, isParent ? real : null, isParent && attributes.isDirectory());
            }
        }
        // Only the root exists on the way: a real path by construction, but not asked again whether it is a folder.
        return new Target(file, null, root.equals(folder) ? root : null, false);
    }

    /** @return the attributes of {@code p}, links not followed, or {@code null} if it cannot be read (as {@link Files#exists}). */
    private static BasicFileAttributes lstat(final Path p)
    {
        try
        {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static DurabilityException refused(final String path, final String why, final Throwable cause)
    {
        return new DurabilityException(
            Kind.INVALID_CONFIG, "path refused: " + why, path, -1, "a path confined to the directory root", path, cause);
    }

    /** @return {@code p}, a path under the root, relative to it and {@code /}-separated (for messages). */
    String relative(final Path p)
    {
        return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }
}
