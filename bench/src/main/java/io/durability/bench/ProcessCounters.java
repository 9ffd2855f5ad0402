package io.durability.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a benchmark reads about a running process (itself or a child JVM) before and after a measured
 * window, without starting any tool: CPU time and storage writes from {@code /proc/<pid>/stat} and
 * {@code /proc/<pid>/io}; JIT and GC activity from the JVM's own performance counters, the
 * {@code hsperfdata} file that {@code jstat} and {@code jcmd PerfCounter.print} read
 * ({@code /tmp/hsperfdata_<user>/<pid>}, present unless the JVM runs with {@code -XX:-UsePerfData}).
 * Linux only; a value that cannot be read is -1.
 */
final class ProcessCounters
{
    /** Clock ticks per second of {@code /proc/<pid>/stat} (USER_HZ). */
    static final long CLOCK_TICKS = clockTicks();

    private ProcessCounters()
    {
    }

    /**
     * One reading of a process.
     *
     * @param cpuNanos        user + system CPU time (clock-tick resolution).
     * @param writeBytes      {@code write_bytes} of {@code /proc/<pid>/io}: bytes this process caused to be
     *                        sent to storage (counted when a page cache page is dirtied).
     * @param writeCalls      {@code wchar}: bytes passed to write-like system calls (sockets included).
     * @param jitCompiles     {@code sun.ci.totalCompiles} (JIT compilations finished), or -1.
     * @param jitNanos        {@code java.ci.totalTime} in nanoseconds (compiler threads' time), or -1.
     * @param gcCount         collections of every collector ({@code sun.gc.collector.*.invocations}), or -1.
     * @param gcNanos         their time ({@code sun.gc.collector.*.time}), or -1.
     * @param folderBytes     the sum of the sizes of the regular files under each folder asked for.
     * @param allocatedBytes  the disk space allocated to each of those folders ({@code du -s -B1}), or -1.
     */
    record Sample(long cpuNanos, long writeBytes, long writeCalls, long jitCompiles, long jitNanos, long gcCount,
                  long gcNanos, long[] folderBytes, long[] allocatedBytes)
    {
    }

    /** @return a reading of process {@code pid}, and the sizes of {@code folders}. */
    static Sample sample(final long pid, final List<Path> folders)
    {
        final long cpu = cpuNanos(pid);
        final Map<String, Long> io = procIo(pid);
        final Map<String, Long> perf = perfCounters(pid);
        long jitCompiles = -1;
        long jitNanos = -1;
        long gcCount = -1;
        long gcNanos = -1;
        if (perf != null)
        {
            final long frequency = perf.getOrDefault("sun.os.hrt.frequency", 0L);
            jitCompiles = perf.getOrDefault("sun.ci.totalCompiles", -1L);
            final long ticks = perf.getOrDefault("java.ci.totalTime", -1L);
            jitNanos = ticks < 0 || frequency <= 0 ? -1 : (long)(ticks * 1e9 / frequency);
            long count = 0;
            long time = 0;
            for (int c = 0; perf.containsKey("sun.gc.collector." + c + ".invocations"); c++)
            {
                count += perf.get("sun.gc.collector." + c + ".invocations");
                time += perf.getOrDefault("sun.gc.collector." + c + ".time", 0L);
            }
            gcCount = count;
            gcNanos = frequency <= 0 ? -1 : (long)(time * 1e9 / frequency);
        }
        final long[] sizes = new long[folders.size()];
        for (int i = 0; i < sizes.length; i++)
        {
            sizes[i] = folderBytes(folders.get(i));
        }
        return new Sample(cpu, io.getOrDefault("write_bytes", -1L), io.getOrDefault("wchar", -1L), jitCompiles, jitNanos,
            gcCount, gcNanos, sizes, allocatedBytes(folders));
    }

    /**
     * @return the bytes allocated on disk to each folder ({@code du -s -B1}: blocks, so preallocated and
     * zero-filled space counts, holes do not), -1 where {@code du} gave no answer.
     */
    static long[] allocatedBytes(final List<Path> folders)
    {
        final long[] bytes = new long[folders.size()];
        java.util.Arrays.fill(bytes, -1);
        if (folders.isEmpty())
        {
            return bytes;
        }
        final List<String> command = new java.util.ArrayList<>(List.of("du", "-s", "-B1"));
        folders.forEach(f -> command.add(f.toString()));
        try
        {
            final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            for (final String line : out.split("\n"))
            {
                final int tab = line.indexOf('\t');
                if (tab > 0)
                {
                    final int i = folders.indexOf(Path.of(line.substring(tab + 1)));
                    if (i >= 0)
                    {
                        bytes[i] = Long.parseLong(line.substring(0, tab).trim());
                    }
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // no du: -1
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return bytes;
    }

    /** @return utime + stime of {@code pid} in nanoseconds, or -1. */
    static long cpuNanos(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            final long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);   // fields 14 and 15 of proc(5)
            return ticks * 1_000_000_000L / CLOCK_TICKS;
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private static Map<String, Long> procIo(final long pid)
    {
        final Map<String, Long> values = new HashMap<>();
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io")))
            {
                final int colon = line.indexOf(':');
                if (colon > 0)
                {
                    values.put(line.substring(0, colon).trim(), Long.parseLong(line.substring(colon + 1).trim()));
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // no /proc/<pid>/io (kernel without task I/O accounting, or not allowed): -1 below
        }
        return values;
    }

    /** @return the sum of the sizes of the regular files under {@code folder} (0 when it is missing). */
    static long folderBytes(final Path folder)
    {
        if (!Files.isDirectory(folder))
        {
            return 0;
        }
        try (Stream<Path> files = Files.walk(folder))
        {
            return files.mapToLong(p ->
            {
                try
                {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                }
                catch (final IOException ex)
                {
                    return 0;   // deleted while we walked (a purged Raft segment)
                }
            }).sum();
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
    }

    /**
     * The scalar long counters of a HotSpot JVM's {@code hsperfdata} file (the format {@code jstat}
     * reads: a 32-byte prologue, then entries each naming its name and data offsets).
     *
     * @return name to value, or null when the file is missing or not understood.
     */
    static Map<String, Long> perfCounters(final long pid)
    {
        // HotSpot puts it in /tmp whatever java.io.tmpdir says.
        final Path file = Path.of("/tmp", "hsperfdata_" + System.getProperty("user.name"), Long.toString(pid));
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final IOException ex)
        {
            return null;
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 32 || (b.getInt(0) != 0xcafec0c0))
        {
            return null;
        }
        b.order(bytes[4] == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        final int used = Math.min(b.getInt(8), bytes.length);
        int entry = b.getInt(24);
        final int entries = b.getInt(28);
        final Map<String, Long> counters = new HashMap<>();
        for (int i = 0; i < entries && entry + 20 <= used; i++)
        {
            final int length = b.getInt(entry);
            final int nameOffset = b.getInt(entry + 4);
            final int vectorLength = b.getInt(entry + 8);
            final byte type = b.get(entry + 12);
            final int dataOffset = b.getInt(entry + 16);
            if (length <= 0)
            {
                break;
            }
            if (vectorLength == 0 && type == 'J' && entry + dataOffset + 8 <= used)
            {
                int end = entry + nameOffset;
                while (end < used && bytes[end] != 0)
                {
                    end++;
                }
                counters.put(new String(bytes, entry + nameOffset, end - entry - nameOffset, StandardCharsets.US_ASCII),
                    b.getLong(entry + dataOffset));
            }
            entry += length;
        }
        return counters;
    }

    private static long clockTicks()
    {
        try
        {
            final Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        }
        catch (final IOException | RuntimeException ex)
        {
            return 100;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
