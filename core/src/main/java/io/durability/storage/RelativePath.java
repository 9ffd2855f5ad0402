package io.durability.storage;

/**
 * Validation of the relative, {@code /}-separated paths every {@link Directory} accepts.
 *
 * <p>Rejected, with {@link DurabilityException.Kind#INVALID_CONFIG}: null or empty, a leading
 * {@code /}, a Windows drive or UNC prefix, a backslash, a NUL, an empty component
 * ({@code a//b}, trailing {@code /}), and the components {@code .} and {@code ..}. Nothing is
 * normalised: a path is accepted exactly as written or refused.
 */
public final class RelativePath
{
    private RelativePath()
    {
    }

    /**
     * @param path the candidate path.
     * @return {@code path}, when it is confined to the root.
     * @throws DurabilityException INVALID_CONFIG naming what is wrong.
     */
    public static String validate(final String path)
    {
        if (path == null || path.isEmpty())
        {
            throw reject(path, "a path must not be empty");
        }
        if (path.charAt(0) == '/')
        {
            throw reject(path, "a path must be relative (no leading '/')");
        }
        if (path.length() >= 2 && path.charAt(1) == ':')
        {
            throw reject(path, "a path must be relative (no drive letter)");
        }
        int start = 0;
        for (int i = 0; i <= path.length(); i++)
        {
            if (i == path.length() || path.charAt(i) == '/')
            {
                final int len = i - start;
                if (len == 0)
                {
                    throw reject(path, "a path must not contain an empty component");
                }
                if (len == 1 && path.charAt(start) == '.')
                {
                    throw reject(path, "a path must not contain '.'");
                }
                if (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')
                {
                    throw reject(path, "a path must not contain '..' (it would escape the directory)");
                }
                start = i + 1;
            }
            else
            {
                final char c = path.charAt(i);
                if (c == '\\')
                {
                    throw reject(path, "a path must use '/' as separator (no backslash)");
                }
                if (c == 0)
                {
                    throw reject(path, "a path must not contain NUL");
                }
            }
        }
        return path;
    }

    /**
     * Validate a folder path, where {@code ""} means the root.
     *
     * @return {@code dir}.
     */
    public static String validateDir(final String dir)
    {
        if (dir != null && dir.isEmpty())
        {
            return dir;
        }
        return validate(dir);
    }

    /** @return the parent folder of a validated path, {@code ""} for the root. */
    public static String parent(final String path)
    {
        final int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** @return the last component of a validated path. */
    public static String name(final String path)
    {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** @return {@code dir + "/" + name}, or {@code name} when {@code dir} is the root. */
    public static String join(final String dir, final String name)
    {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    private static DurabilityException reject(final String path, final String why)
    {
        return DurabilityException.invalidConfig("path refused: " + why, path, -1,
            "a relative path confined to the directory", path);
    }
}
