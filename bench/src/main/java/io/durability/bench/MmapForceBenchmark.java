package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
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
 * Which barrier should {@code MmapSegment.force} use, and how close is {@code WalWriter.flushAndSync}
 * to it? Each operation stores {@code batch} frames of 88 bytes (a 64-byte payload in our frame) into
 * a preallocated, synced, memory-mapped file (advancing, as a WAL does) and makes them durable with:
 * <ul>
 *   <li>{@code msyncRange}: {@code MappedByteBuffer.force(index, batch * 88)}, a ranged
 *   {@code msync(MS_SYNC)};</li>
 *   <li>{@code fdatasync}: {@code FileChannel.force(false)} (Linux writes back mmap-dirtied pages too);</li>
 *   <li>{@code fsync}: {@code FileChannel.force(true)}, for reference;</li>
 *   <li>{@code walFlushAndSync} (issue 6): {@code batch} {@code WalWriter.append}s of 64 bytes on an
 *   {@code MmapDirectory} then one {@code flushAndSync()}: per append ({@code batch=1}) and per batch
 *   of 64.</li>
 * </ul>
 * The score is per barrier (per batch). Runs on a disk by default ({@code java.io.tmpdir}); a barrier
 * on tmpfs measures nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx256m"})
@State(Scope.Thread)
public class MmapForceBenchmark
{
    private static final int CAPACITY = 64 * 1024 * 1024;
    private static final int FRAME = 88;
    private static final int PAYLOAD = FRAME - 24;

    /** Parent folder of the test file; empty: {@code java.io.tmpdir}. */
    @Param("")
    public String dir;

    /** Frames (appends) per barrier. */
    @Param({"1", "64"})
    public int batch;

    /** Our WAL on an {@link MmapDirectory} in its own folder (16 MiB segments: no roll in a quick run). */
    @State(Scope.Thread)
    public static class Wal
    {
        Path folder;
        MmapDirectory directory;
        WalWriter<DirectBuffer> writer;
        final DirectBuffer payload = BenchPayloads.direct(PAYLOAD);

        @Setup
        public void open(final MmapForceBenchmark bench) throws IOException
        {
            folder = BenchFolders.create(bench.dir, true, "sync-bench");
            directory = MmapDirectory.open(folder);
            writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE,
                WalOptions.defaults().withSegmentCapacity(16 * 1024 * 1024));
            writer.flushAndSync();
        }

        @TearDown
        public void close() throws IOException
        {
            writer.close();
            directory.close();
            BenchFolders.delete(folder);
        }
    }

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

    /** Store {@code batch} frames; @return the offset of the first. */
    private int store()
    {
        if (offset + batch * FRAME > CAPACITY)
        {
            offset = 0;
        }
        final int first = offset;
        for (int f = 0; f < batch; f++)
        {
            final int at = offset;
            final long s = ++sequence;
            for (int i = 0; i < FRAME; i += 8)
            {
                buffer.putLong(at + i, s);
            }
            offset = at + FRAME;
        }
        return first;
    }

    @Benchmark
    public void msyncRange()
    {
        map.force(store(), batch * FRAME);
    }

    @Benchmark
    public long walFlushAndSync(final Wal wal)
    {
        final WalWriter<DirectBuffer> writer = wal.writer;
        long id = 0;
        for (int i = 0; i < batch; i++)
        {
            id = writer.append(wal.payload);
        }
        writer.flushAndSync();
        return id;
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
