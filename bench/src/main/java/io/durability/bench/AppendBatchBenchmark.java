package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalOptions;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6: {@code WalWriter.appendBatch} of 16 and 256 entries on an {@link MmapDirectory}, no sync,
 * sustained (rolls inside the loop, rolled segments deleted unsynced). The score is per batch; divide
 * by {@code batch} for the cost per entry ({@code RESULTS.md} does). {@code appendBatch} returns the
 * first id (ids are consecutive) and allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class AppendBatchBenchmark
{
    /** Entries per batch. */
    @Param({"16", "256"})
    public int batch;

    /** Payload bytes per entry. */
    @Param({"64", "1024"})
    public int payload;

    /** Parent folder of the files; empty: {@code java.io.tmpdir}. */
    @Param("")
    public String dir;

    private Path folder;
    private MmapDirectory directory;
    private WalWriter<DirectBuffer> writer;
    private List<DirectBuffer> entries;
    private long segment;

    @Setup
    public void open() throws IOException
    {
        folder = BenchFolders.create(dir, true, "wal-batch");
        directory = MmapDirectory.open(folder);
        writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE, WalOptions.defaults());
        segment = writer.currentSegmentId();
        final DirectBuffer one = BenchPayloads.direct(payload);
        entries = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++)
        {
            entries.add(one);
        }
    }

    @TearDown
    public void close() throws IOException
    {
        writer.close();
        directory.close();
        BenchFolders.delete(folder);
    }

    @Benchmark
    public long appendBatch()
    {
        final long ids = writer.appendBatch(entries);
        final long current = writer.currentSegmentId();
        if (current != segment)
        {
            segment = current;
            writer.deleteSegmentsCoveredBy(writer.lastEntryId());
        }
        return ids;
    }
}
