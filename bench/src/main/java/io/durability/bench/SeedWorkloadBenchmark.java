package io.durability.bench;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.PreTouch;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalLayout;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6: the seed crate's own workload, which it measured at 115–122 ns per entry: 10 000
 * {@code WalEntry.AddSegment} entries appended to a fresh WAL on a real file, no sync; and the replay
 * of the same. Scores are per entry ({@code @OperationsPerInvocation(10 000)}).
 * <ul>
 *   <li>{@code append10k}: a fresh WAL each invocation (created, and closed, untimed), 10 000
 *   {@code append}s timed;</li>
 *   <li>{@code createAppendClose10k}: the same with {@code WalWriter.create} and {@code close} timed
 *   too (the segment file comes from the directory's prepared spare);</li>
 *   <li>{@code replay10k}: {@code WalReader.replayEach} (strict, CRC checked, entries decoded) of a
 *   10 000-entry WAL;</li>
 *   <li>{@code replayFrames10k}: the zero-allocation {@code replayFrames} of the same.</li>
 * </ul>
 * Segments are 1 MiB (the 10 000 frames take 400 KB) so a fresh WAL does not preallocate 64 MiB.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class SeedWorkloadBenchmark
{
    /** Entries per invocation. */
    public static final int ENTRIES = 10_000;

    static final String WAL_DIR = "wal";

    static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(1024 * 1024).withWalDir(WAL_DIR);

    static WalEntry[] entries()
    {
        final WalEntry[] entries = new WalEntry[ENTRIES];
        for (int i = 0; i < ENTRIES; i++)
        {
            entries[i] = new WalEntry.AddSegment(i + 1, 1000 + i);
        }
        return entries;
    }

    /** One directory for the whole trial; a fresh WAL (no segments) per invocation. */
    @State(Scope.Thread)
    public static class Fresh
    {
        /** Parent folder; empty: {@code java.io.tmpdir} (a real file system). */
        @Param("")
        public String dir;

        /**
         * {@link PreTouch} of the directory: {@code AUTO} (the default) and {@code WRITE} (for writers that
         * do not sync: the preparing thread takes the page faults; see {@link PreTouch#WRITE}).
         */
        @Param({"AUTO", "WRITE"})
        public String preTouch;

        /** {@code Preallocation} of the directory's segments: {@code DEFAULT} (whatever the defaults are) or a name. */
        @Param("DEFAULT")
        public String prealloc;

        final WalEntry[] entries = entries();
        Path folder;
        MmapDirectory directory;
        WalWriter<WalEntry> writer;

        @Setup
        public void open() throws IOException
        {
            folder = BenchFolders.create(dir, true, "seed-bench");
            MmapOptions options = MmapOptions.defaults().withPreTouch(PreTouch.valueOf(preTouch));
            if (!prealloc.equals("DEFAULT"))
            {
                options = options.withPreallocation(io.durability.storage.mmap.Preallocation.valueOf(prealloc));
            }
            directory = MmapDirectory.open(folder, options);
        }

        @TearDown
        public void close() throws IOException
        {
            directory.close();
            BenchFolders.delete(folder);
        }

        /** Untimed: remove the previous invocation's segments (the prepared spare stays for the next create). */
        @Setup(Level.Invocation)
        public void before()
        {
            for (String name : directory.list(WAL_DIR))
            {
                if (name.startsWith(WalLayout.SEGMENT_PREFIX) && name.endsWith(WalLayout.SEGMENT_SUFFIX))
                {
                    directory.delete(WAL_DIR + "/" + name);
                }
            }
        }

        WalOptions options()
        {
            return OPTIONS;
        }
    }

    /** {@link Fresh} with the writer created before the timed part. */
    @State(Scope.Thread)
    public static class FreshWriter extends Fresh
    {
        @Setup(Level.Invocation)
        public void create()
        {
            writer = WalWriter.create(directory, WalEntryCodec.INSTANCE, options());
        }

        @TearDown(Level.Invocation)
        public void closeWriter()
        {
            writer.close();
        }
    }

    /** A 10 000-entry WAL written once. */
    @State(Scope.Thread)
    public static class Written
    {
        /** Parent folder; empty: {@code java.io.tmpdir} (a real file system). */
        @Param("")
        public String dir;

        Path folder;
        MmapDirectory directory;
        WalReader<WalEntry> reader;

        @Setup
        public void open() throws IOException
        {
            folder = BenchFolders.create(dir, true, "seed-replay");
            directory = MmapDirectory.open(folder);
            try (WalWriter<WalEntry> writer = WalWriter.create(directory, WalEntryCodec.INSTANCE, OPTIONS))
            {
                for (WalEntry e : entries())
                {
                    writer.append(e);
                }
                writer.flushAndSync();
            }
            reader = new WalReader<>(directory, WalEntryCodec.INSTANCE, OPTIONS);
        }

        @TearDown
        public void close() throws IOException
        {
            directory.close();
            BenchFolders.delete(folder);
        }
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public long append10k(final FreshWriter fresh)
    {
        final WalWriter<WalEntry> writer = fresh.writer;
        final WalEntry[] entries = fresh.entries;
        long id = 0;
        for (int i = 0; i < ENTRIES; i++)
        {
            id = writer.append(entries[i]);
        }
        return id;
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public long createAppendClose10k(final Fresh fresh)
    {
        final WalEntry[] entries = fresh.entries;
        long id = 0;
        try (WalWriter<WalEntry> writer = WalWriter.create(fresh.directory, WalEntryCodec.INSTANCE, fresh.options()))
        {
            for (int i = 0; i < ENTRIES; i++)
            {
                id = writer.append(entries[i]);
            }
        }
        return id;
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public long replay10k(final Written written, final Blackhole bh)
    {
        return written.reader.replayEach(ReplayMode.STRICT, (id, entry) -> bh.consume(entry));
    }

    @Benchmark
    @OperationsPerInvocation(ENTRIES)
    public long replayFrames10k(final Written written, final Blackhole bh)
    {
        return written.reader.replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) -> bh.consume(length));
    }
}
