package io.durability.storage.mmap;

import java.nio.file.Path;

/**
 * The native calls mmap-directory makes, {@code fallocate(2)} and {@code sched_setscheduler(2)} (for
 * the page warmer's thread), through JNA direct mapping when
 * JNA is on the class path and the platform is Linux; loaded lazily, on first use, and never
 * required: {@link #available()} is {@code false} elsewhere (no JNA, another system, a JNA that
 * cannot load), and callers fall back to portable code. No JVM flag is needed.
 *
 * <p>The file is opened again by path for the call (Java exposes no file descriptor of a
 * {@code FileChannel} without reflection into the JDK, which would need a JVM flag).
 */
final class NativeIo
{
    private static final System.Logger LOG = System.getLogger("io.durability.storage.mmap");

    /** {@code EOPNOTSUPP} on Linux: the filesystem has no fallocate. */
    static final int EOPNOTSUPP = 95;
    /** {@code ENOSPC}: no space left on device. */
    static final int ENOSPC = 28;
    /** {@code EFBIG}: file too large. */
    static final int EFBIG = 27;

    private NativeIo()
    {
    }

    /** @return whether {@link #fallocate} can be called. */
    static boolean available()
    {
        return Holder.LIBC != null;
    }

    /** @return why {@link #available()} is false, or {@code null}. */
    static String unavailableBecause()
    {
        return Holder.WHY;
    }

    /**
     * Reserve {@code [0, length)} of {@code file} as allocated, unwritten blocks ({@code fallocate}
     * mode 0: the file grows to {@code length}, reads return zeros, no data is written).
     *
     * @return 0, or the {@code errno} of the failed call ({@link #EOPNOTSUPP}, {@link #ENOSPC}, ...).
     * @throws IllegalStateException when not {@link #available()}.
     */
    static int fallocate(final Path file, final long length)
    {
        final Libc libc = Holder.LIBC;
        if (libc == null)
        {
            throw new IllegalStateException("fallocate is not available: " + Holder.WHY);
        }
        return libc.fallocate(file.toString(), length);
    }

    /** Linux's {@code SCHED_IDLE} policy. */
    static final int SCHED_IDLE = 5;

    /**
     * Put the calling thread in Linux's {@code SCHED_IDLE} class (allowed to any process: it only
     * lowers the thread's claim), so that it never preempts a normal thread. Does nothing when not
     * {@link #available()}.
     *
     * @return whether the thread is now {@code SCHED_IDLE}.
     */
    static boolean idleScheduling()
    {
        final Libc libc = Holder.LIBC;
        if (libc == null)
        {
            return false;
        }
        try
        {
            // pid 0: the calling thread; struct sched_param { int sched_priority; } = { 0 }.
            Libc.sched_setscheduler(0, SCHED_IDLE, new int[] {0});
            return true;
        }
        catch (final com.sun.jna.LastErrorException | UnsatisfiedLinkError ex)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> "durability: SCHED_IDLE refused for " +
                Thread.currentThread().getName() + ": " + ex);
            return false;
        }
    }

    /** The native functions; a separate class so that nothing of JNA is loaded unless asked for. */
    private static final class Libc
    {
        private static final int O_RDWR = 2;
        private static final int O_CLOEXEC = 0x80000;

        Libc()
        {
            com.sun.jna.Native.register(Libc.class, com.sun.jna.Platform.C_LIBRARY_NAME);
        }

        static native int open(String path, int flags) throws com.sun.jna.LastErrorException;

        static native int fallocate(int fd, int mode, long offset, long length) throws com.sun.jna.LastErrorException;

        static native int close(int fd) throws com.sun.jna.LastErrorException;

        static native int sched_setscheduler(int pid, int policy, int[] param) throws com.sun.jna.LastErrorException;

        int fallocate(final String path, final long length)
        {
            final int fd;
            try
            {
                fd = open(path, O_RDWR | O_CLOEXEC);
            }
            catch (final com.sun.jna.LastErrorException ex)
            {
                return ex.getErrorCode();
            }
            try
            {
                fallocate(fd, 0, 0, length);
                return 0;
            }
            catch (final com.sun.jna.LastErrorException ex)
            {
                return ex.getErrorCode();
            }
            finally
            {
                try
                {
                    close(fd);
                }
                catch (final com.sun.jna.LastErrorException ex)
                {
                    // The reservation is done; a failed close of a second descriptor loses nothing.
                }
            }
        }
    }

    /**
     * Java 24 and later print a warning on the first native call of a module not granted native
     * access ({@code --enable-native-access=ALL-UNNAMED}, or the {@code Enable-Native-Access} attribute
     * of an executable jar's manifest). A library must not make its users' JVMs print warnings they did
     * not ask for: there, without the grant, JNA is not loaded and the portable fallbacks are used.
     *
     * @return why JNA is not to be loaded, or {@code null} when it may be.
     */
    static String refusedNativeAccess(final int javaFeature, final Module jnaModule)
    {
        if (javaFeature < 24)
        {
            return null;
        }
        try
        {
            final Object enabled = Module.class.getMethod("isNativeAccessEnabled").invoke(jnaModule);
            return Boolean.TRUE.equals(enabled) ? null : "Java " + javaFeature + " would print a warning on loading " +
                "JNA without native access: start the JVM with --enable-native-access=ALL-UNNAMED to use it";
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return "cannot tell whether native access is enabled on Java " + javaFeature + ": " + ex;
        }
    }

    /** Lazy holder: JNA is looked for on first use. */
    private static final class Holder
    {
        static final Libc LIBC;
        static final String WHY;

        static
        {
            Libc libc = null;
            String why = null;
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux"))
            {
                why = "not Linux";
            }
            else if (Boolean.getBoolean("durability.mmap.noNative"))
            {
                why = "turned off by -Ddurability.mmap.noNative=true";
            }
            else
            {
                try
                {
                    final Class<?> jna = Class.forName("com.sun.jna.Native", false, NativeIo.class.getClassLoader());
                    why = refusedNativeAccess(Runtime.version().feature(), jna.getModule());
                    if (why == null)
                    {
                        libc = new Libc();
                    }
                }
                catch (final ClassNotFoundException ex)
                {
                    why = "JNA (net.java.dev.jna:jna) is not on the class path";
                }
                catch (final Throwable ex)
                {
                    why = "JNA did not load: " + ex;
                }
            }
            LIBC = libc;
            WHY = why;
            LOG.log(System.Logger.Level.DEBUG, () -> "durability: fallocate(2) " +
                (LIBC != null ? "available through JNA" : "not available (" + WHY + "); segments are zero-filled"));
        }
    }
}
