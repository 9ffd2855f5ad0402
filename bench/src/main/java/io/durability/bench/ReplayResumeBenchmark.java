package io.durability.bench;

import io.durability.walog.WalLayout;
import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
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
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6: reading a large WAL back, and reopening it.
 * <ul>
 *   <li>{@code replayFramesStrict}: {@code WalReader.replayFrames(STRICT, ...)} of a WAL of
 *   {@code walMiB} MiB of frames (payload {@code payload} bytes, 64 MiB segments), every CRC checked,
 *   a zero-allocation handler summing the lengths. The score is milliseconds per full replay;
 *   {@code RESULTS.md} turns it into GB/s of frame bytes ({@code entries * align8(24 + payload)}).
 *   The WAL was just written, so its pages are in the page cache: this is the CPU and memory path,
 *   not the disk's read bandwidth.</li>
 *   <li>{@code resumeClose}: {@code WalWriter.resume} + {@code close} of the same kind of WAL, at several
 *   sizes: resume scans from the last segment with a durable watermark, so the cost should not grow
 *   with the size of the WAL.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class ReplayResumeBenchmark
{
    /** Size of the WAL's frames, MiB. */
    @Param({"16", "256", "1024"})
    public int walMiB;

    /** Payload bytes per entry. */
    @Param("1024")
    public int payload;

    /** Parent folder; empty: {@code java.io.tmpdir} (a real file system). */
    @Param("")
    public String dir;

    private Path folder;
    private MmapDirectory directory;
    private WalReader<DirectBuffer> reader;
    long entries;
    long sum;

    @Setup
    public void open() throws IOException
    {
        folder = BenchFolders.create(dir, true, "replay-bench");
        directory = MmapDirectory.open(folder);
        entries = BigWal.write(directory, (long)walMiB << 20, payload);
        reader = new WalReader<>(directory, DirectBufferCodec.INSTANCE, WalOptions.defaults());
    }

    @TearDown
    public void close() throws IOException
    {
        directory.close();
        BenchFolders.delete(folder);
    }

    @Benchmark
    public long replayFramesStrict()
    {
        sum = 0;
        final long last = reader.replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) -> sum += length);
        if (sum != entries * payload)
        {
            throw new IllegalStateException("replayed " + sum + " payload bytes, expected " + entries * payload);
        }
        return last;
    }

    @Benchmark
    public long resumeClose()
    {
        try (WalWriter<DirectBuffer> writer = WalWriter.resume(directory, DirectBufferCodec.INSTANCE, WalOptions.defaults()))
        {
            return writer.nextEntryId();
        }
    }

    /** @return the frame bytes of a WAL of {@code walMiB} MiB at {@code payload} (for the report). */
    static long frameBytes(final int walMiB, final int payload)
    {
        return BigWal.entries((long)walMiB << 20, payload) * WalLayout.frameLength(payload);
    }
}
