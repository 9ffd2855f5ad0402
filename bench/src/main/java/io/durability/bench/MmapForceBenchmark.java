package io.durability.bench;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Which barrier should {@code MmapSegment.force} use? Each operation stores one 64-byte frame into a
 * preallocated, synced, memory-mapped file (advancing, as a WAL does) and makes it durable with:
 * <ul>
 *   <li>{@code msyncRange}: {@code MappedByteBuffer.force(index, 64)}, a ranged {@code msync(MS_SYNC)};</li>
 *   <li>{@code fdatasync}: {@code FileChannel.force(false)} (Linux writes back mmap-dirtied pages too);</li>
 *   <li>{@code fsync}: {@code FileChannel.force(true)}, for reference.</li>
 * </ul>
 * Runs on a disk by default ({@code java.io.tmpdir}); a barrier on tmpfs measures nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m"})
@State(Scope.Thread)
public class MmapForceBenchmark
{
    private static final int CAPACITY = 64 * 1024 * 1024;
    private static final int FRAME = 64;

    /** Parent folder of the test file; empty: {@code java.io.tmpdir}. */
    @Param("")
    public String dir;

    private Path folder;
    private FileChannel channel;
    private MappedByteBuffer map;
    private UnsafeBuffer buffer;
    private int offset;
    private long sequence;

    @Setup
    public void open() throws IOException
    {
        folder = BenchFolders.create(dir, true, "force-bench");
        channel = FileChannel.open(folder.resolve("segment"),
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        BenchFolders.allocate(channel, CAPACITY);
        map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
        buffer = new UnsafeBuffer(map);
    }

    @TearDown
    public void close() throws IOException
    {
        IoUtil.unmap(map);
        channel.close();
        BenchFolders.delete(folder);
    }

    private int store()
    {
        final int at = offset;
        final long s = ++sequence;
        for (int i = 0; i < FRAME; i += 8)
        {
            buffer.putLong(at + i, s);
        }
        offset = at + FRAME == CAPACITY ? 0 : at + FRAME;
        return at;
    }

    @Benchmark
    public void msyncRange()
    {
        map.force(store(), FRAME);
    }

    @Benchmark
    public void fdatasync() throws IOException
    {
        store();
        channel.force(false);
    }

    @Benchmark
    public void fsync() throws IOException
    {
        store();
        channel.force(true);
    }
}
