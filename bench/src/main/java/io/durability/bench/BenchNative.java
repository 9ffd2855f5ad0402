package io.durability.bench;

import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code fallocate(2)} for the raw physical proxy ({@link AppendBenchmark.FreshRaw}), through JNA
 * direct mapping: the same call {@code MmapDirectory}'s {@code Preallocation.FALLOCATE} makes, written
 * here because that one is internal to mmap-directory.
 */
final class BenchNative
{
    private BenchNative()
    {
    }

    static boolean available()
    {
        return Holder.WHY == null;
    }

    static String why()
    {
        return Holder.WHY;
    }

    /** Reserve {@code [0, length)} of {@code file} (mode 0: the file grows, nothing is written). */
    static void fallocate(final Path file, final long length)
    {
        if (!available())
        {
            throw new IllegalStateException("fallocate(2) not available: " + Holder.WHY);
        }
        final int fd = Libc.open(file.toString(), 2 /* O_RDWR */);
        try
        {
            Libc.fallocate(fd, 0, 0, length);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static final class Libc
    {
        static
        {
            com.sun.jna.Native.register(Libc.class, com.sun.jna.Platform.C_LIBRARY_NAME);
        }

        static native int open(String path, int flags) throws com.sun.jna.LastErrorException;

        static native int fallocate(int fd, int mode, long offset, long length) throws com.sun.jna.LastErrorException;

        static native int close(int fd) throws com.sun.jna.LastErrorException;
    }

    private static final class Holder
    {
        static final String WHY;

        static
        {
            String why = null;
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux"))
            {
                why = "not Linux";
            }
            else
            {
                try
                {
                    Class.forName(Libc.class.getName(), true, BenchNative.class.getClassLoader());
                }
                catch (final Throwable ex)
                {
                    why = "JNA did not load: " + ex;
                }
            }
            WHY = why;
        }
    }
}
