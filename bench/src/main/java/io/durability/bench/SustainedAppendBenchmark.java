package io.durability.bench;

import io.durability.codec.BytesCodec;
import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.PreTouch;
import io.durability.walog.WalLayout;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Issue 28's way of measuring sustained appends, reproduced: everything starts anew in each 1 s
 * iteration (a fresh folder, a fresh WAL, queue or file), 3 warm-up and 4 measured iterations, one
 * thread, no syncs, and what the setup of an iteration leaves behind (background preparation still
 * running, pages still being written back) lands in the timed loop. {@link AppendBenchmark} keeps
 * one WAL for the whole trial and deletes segments as it rolls past them; the two disagree by
 * design, and bench/RESULTS.md says by how much and why.
 * <ul>
 *   <li>{@code oursBytesCodec}: {@code WalWriter.create(MmapDirectory.open(dir), BytesCodec.INSTANCE)},
 *   defaults everywhere, a {@code byte[]} appended: the exact call;</li>
 *   <li>{@code oursDirect}: the same with {@link DirectBufferCodec} (no heap array on the path);</li>
 *   <li>{@code oursCache}: {@code oursBytesCodec} with {@link PreTouch#CACHE};</li>
 *   <li>{@code sparseFloor}: the floor: our frame (CRC32C, commit word stored last) written by
 *   hand into 1 GiB sparse files mapped whole, pages faulted in on demand by the appending thread, a
 *   new file when one is full (its creation and mapping in the timed loop);</li>
 *   <li>{@code chronicleFastDaily}: Chronicle Queue, {@code RollCycles.FAST_DAILY}, {@code writeBytes}.</li>
 * </ul>
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar SustainedAppendBenchmark -p dir=/tmp
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true", "-Dchronicle.disk.monitor.disable=true"})
public class SustainedAppendBenchmark
{
    /** The parameters every state shares. */
    @State(Scope.Thread)
    public static class Common
    {
        /** Payload bytes per entry. */
        @Param({"64", "256", "1024", "4096"})
        public int payload;

        /** Parent folder of the files; empty: {@code java.io.tmpdir}. */
        @Param("")
        public String dir;

        /**
         * {@code false}: each iteration's files are deleted after it (their dirty pages dropped, never
         * written back); {@code true}: kept until the end of the trial, so the pages the earlier iterations
         * dirtied are written back, and the kernel throttles the writer, while the later ones run.
         */
        @Param("false")
        public boolean keep;

        byte[] array;
        UnsafeBuffer direct;

        @Setup
        public void setup()
        {
            direct = BenchPayloads.direct(payload);
            array = new byte[payload];
            direct.getBytes(0, array);
        }
    }

    /** A fresh folder per iteration, deleted after it (or at the end of the trial: {@link Common#keep}). */
    abstract static class Fresh
    {
        Path folder;
        boolean keep;
        final List<Path> kept = new ArrayList<>();

        final void newFolder(final Common common, final String name) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, name);
            keep = common.keep;
        }

        final void deleteFolder() throws IOException
        {
            if (keep)
            {
                kept.add(folder);
            }
            else
            {
                BenchFolders.delete(folder);
            }
        }

        @TearDown(Level.Trial)
        public void deleteKept() throws IOException
        {
            for (final Path p : kept)
            {
                BenchFolders.delete(p);
            }
            kept.clear();
        }
    }

    /** Our writer, new in each iteration, on a new {@link MmapDirectory}. */
    abstract static class Ours<T> extends Fresh
    {
        MmapDirectory directory;
        WalWriter<T> writer;

        abstract MmapOptions options();

        abstract WalWriter<T> create(MmapDirectory directory);

        @Setup(Level.Iteration)
        public void open(final Common common) throws IOException
        {
            newFolder(common, "sustained-ours");
            directory = MmapDirectory.open(folder, options());
            writer = create(directory);
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException
        {
            writer.close();
            directory.close();
            deleteFolder();
        }
    }

    /** The call: defaults, {@link BytesCodec}. */
    @State(Scope.Thread)
    public static class OursBytes extends Ours<byte[]>
    {
        @Override
        MmapOptions options()
        {
            return MmapOptions.defaults();
        }

        @Override
        WalWriter<byte[]> create(final MmapDirectory directory)
        {
            return WalWriter.create(directory, BytesCodec.INSTANCE);
        }
    }

    /** Defaults, {@link DirectBufferCodec}. */
    @State(Scope.Thread)
    public static class OursDirect extends Ours<DirectBuffer>
    {
        @Override
        MmapOptions options()
        {
            return MmapOptions.defaults();
        }

        @Override
        WalWriter<DirectBuffer> create(final MmapDirectory directory)
        {
            return WalWriter.create(directory, DirectBufferCodec.INSTANCE);
        }
    }

    /** {@link BytesCodec}, {@link PreTouch#CACHE}. */
    @State(Scope.Thread)
    public static class OursCache extends OursBytes
    {
        @Override
        MmapOptions options()
        {
            return MmapOptions.defaults().withPreTouch(PreTouch.CACHE);
        }
    }

    /** The floor: framed writes into 1 GiB sparse files, pages faulted on demand. */
    @State(Scope.Thread)
    public static class SparseFloor extends Fresh
    {
        static final long FILE = 1L << 30;

        FileChannel channel;
        MappedByteBuffer map;
        UnsafeBuffer buffer;
        ByteBuffer crcView;
        final CRC32C crc = new CRC32C();
        UnsafeBuffer payload;
        int length;
        int slot;
        int tail;
        int files;
        long id;

        @Setup(Level.Iteration)
        public void open(final Common common) throws IOException
        {
            newFolder(common, "sustained-sparse");
            payload = common.direct;
            length = common.payload;
            slot = WalLayout.frameLength(length);
            files = 0;
            next();
        }

        /** A new sparse file of {@value #FILE} bytes, mapped whole (no page touched). */
        void next() throws IOException
        {
            unmap();
            channel = FileChannel.open(folder.resolve("floor-" + files++), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.write(ByteBuffer.allocate(1), FILE - 1);
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE);
            buffer = new UnsafeBuffer(map);
            crcView = map.duplicate();
            tail = 0;
        }

        long write() throws IOException
        {
            if ((long)tail + slot > FILE)
            {
                next();
            }
            final long entryId = ++id;
            AppendBenchmark.Raw.frame(buffer, crcView, crc, tail, payload, length, entryId);
            tail += slot;
            return entryId;
        }

        private void unmap() throws IOException
        {
            if (map != null)
            {
                IoUtil.unmap(map);
                channel.close();
                map = null;
            }
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException
        {
            unmap();
            deleteFolder();
        }
    }

    /** Chronicle Queue, {@code FAST_DAILY}, a fresh queue per iteration. */
    @State(Scope.Thread)
    public static class Chronicle extends Fresh
    {
        ChronicleQueue queue;
        ExcerptAppender appender;
        Bytes<?> bytes;

        @Setup(Level.Iteration)
        public void open(final Common common) throws IOException
        {
            newFolder(common, "sustained-chronicle");
            queue = ChronicleQueue.singleBuilder(folder).rollCycle(RollCycles.FAST_DAILY).build();
            appender = queue.createAppender();
            bytes = Bytes.allocateDirect(common.payload);
            bytes.write(common.array);
        }

        @TearDown(Level.Iteration)
        public void close() throws IOException
        {
            appender.close();
            queue.close();
            bytes.releaseLast();
            deleteFolder();
        }
    }

    @Benchmark
    public long oursBytesCodec(final OursBytes wal, final Common common)
    {
        return wal.writer.append(common.array);
    }

    @Benchmark
    public long oursDirect(final OursDirect wal, final Common common)
    {
        return wal.writer.append(common.direct);
    }

    @Benchmark
    public long oursCache(final OursCache wal, final Common common)
    {
        return wal.writer.append(common.array);
    }

    @Benchmark
    public long sparseFloor(final SparseFloor floor) throws IOException
    {
        return floor.write();
    }

    @Benchmark
    public long chronicleFastDaily(final Chronicle c)
    {
        c.appender.writeBytes(c.bytes);
        return c.appender.lastIndexAppended();
    }
}
