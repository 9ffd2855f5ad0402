package io.durability.bench;

import io.durability.walog.WalLayout;
import io.durability.codec.DirectBufferCodec;
import io.durability.storage.MemoryDirectory;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.storage.mmap.MmapOptions;
import io.durability.storage.mmap.Preallocation;
import io.durability.walog.WalClaim;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Issue 6: one thread appending, no sync, at payloads of 64 to 4096 bytes, ours beside the peers in
 * one run. Every benchmark but the {@code *BetweenRolls} ones is sustained: segment rolls (ours),
 * file growth (Chronicle) and buffer flushes (FileChannel) are inside the timed loop.
 * <ul>
 *   <li>{@code walCodecMmap}, {@code walClaimMmap}: {@code WalWriter.append} (the codec writes a
 *   {@link DirectBuffer} straight into the frame) and {@code claim/putBytes/commit} on an
 *   {@link MmapDirectory} (64 MiB segments prepared ahead; a rolled segment is deleted at the roll,
 *   unsynced, so long runs do not fill the disk);</li>
 *   <li>{@code walCodecMmapZeroFill}, {@code walCodecMmapFallocate}, {@code walCodecMmapWarmed}:
 *   {@code walCodecMmap} with {@code Preallocation.ZERO_FILL}, with {@code Preallocation.FALLOCATE}, and
 *   with that and the page warmer (1 MiB window), whatever the defaults are;</li>
 *   <li>{@code walCodecMmapBetweenRolls}, {@code walClaimMmapBetweenRolls}: the same, timed over
 *   batches of {@value #BATCH} appends that never cross a roll (the roll, and any wait for the spare
 *   segment being prepared, happen in an untimed setup): the append path itself, including the first
 *   store to each page of a fresh segment;</li>
 *   <li>{@code walCodecMemory}, {@code walClaimMemory}: the same on a {@link MemoryDirectory};</li>
 *   <li>{@code chronicleWriteBytes}, {@code chronicleWritingDocument}: Chronicle Queue's appender
 *   ({@code writeBytes(BytesStore)}, and {@code writingDocument()} + {@code wire().bytes().write}),
 *   default roll cycle, default settings;</li>
 *   <li>{@code fileChannelWal}: the seed crate's design: framed records {@code [len u32, crc32c u32,
 *   id u64, payload]} into a 64 KiB direct buffer, written with {@code FileChannel.write} when full
 *   (the file is reused from offset 0 after 64 MiB, like a recycled segment);</li>
 *   <li>{@code rawFramedMmap}: the physical proxy: our frame (24-byte header, CRC32C over the header
 *   tail and payload, length stored last with {@code putIntRelease}) written by hand into one
 *   preallocated, pre-touched 64 MiB mapping that wraps around: no log, no roll, no checks;</li>
 *   <li>{@code crc32cAlone}: the CRC32C of one frame (JDK {@code CRC32C} over a direct buffer view),
 *   the floor under all of the above and a yardstick of this machine's speed.</li>
 * </ul>
 * Files go under {@code -p dir=...} (empty: {@code java.io.tmpdir}, a real file system here).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true", "-Dchronicle.disk.monitor.disable=true"})
public class AppendBenchmark
{
    /** Appends per timed invocation of the between-rolls benchmarks. */
    public static final int BATCH = 10_000;

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

        UnsafeBuffer bytes;

        @Setup
        public void setup()
        {
            bytes = BenchPayloads.direct(payload);
        }
    }

    /** Our WAL, on an {@link MmapDirectory} or a {@link MemoryDirectory}. */
    abstract static class Wal
    {
        Path folder;
        AutoCloseable directory;
        WalWriter<DirectBuffer> writer;
        UnsafeBuffer payload;
        int length;
        long segment;

        void start(final io.durability.storage.Directory dir, final Common common)
        {
            writer = WalWriter.create(dir, DirectBufferCodec.INSTANCE, WalOptions.defaults());
            segment = writer.currentSegmentId();
            payload = common.bytes;
            length = common.payload;
        }

        /** A fresh folder, an {@link MmapDirectory} with {@code options} on it, and our writer. */
        final void startOn(final Common common, final String name, final MmapOptions options) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, name);
            final MmapDirectory dir = MmapDirectory.open(folder, options);
            directory = dir;
            start(dir, common);
        }

        @TearDown
        public void close() throws Exception
        {
            writer.close();
            if (directory != null)
            {
                directory.close();
            }
            BenchFolders.delete(folder);
        }

        /** After a roll, delete what was rolled past (no sync: this is the no-sync benchmark). */
        final void trimOnRoll()
        {
            final long current = writer.currentSegmentId();
            if (current != segment)
            {
                segment = current;
                writer.deleteSegmentsCoveredBy(writer.lastEntryId());
            }
        }

        final long appendCodec()
        {
            final long id = writer.append(payload);
            trimOnRoll();
            return id;
        }

        final long claimCommit()
        {
            final int n = length;
            final WalClaim claim = writer.claim(n);
            claim.buffer().putBytes(claim.offset(), payload, 0, n);
            final long id = claim.commit(n);
            trimOnRoll();
            return id;
        }
    }

    /** Our WAL on memory-mapped files. */
    @State(Scope.Thread)
    public static class MmapWal extends Wal
    {
        @Setup
        public void open(final Common common) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, "wal-mmap");
            final MmapDirectory dir = MmapDirectory.open(folder);
            directory = dir;
            start(dir, common);
        }
    }

    /** Our WAL on memory-mapped files, segments zero-filled ({@code Preallocation.ZERO_FILL}). */
    @State(Scope.Thread)
    public static class ZeroFillMmapWal extends Wal
    {
        @Setup
        public void open(final Common common) throws IOException
        {
            startOn(common, "wal-mmap-zero-fill", MmapOptions.defaults().withPreallocation(Preallocation.ZERO_FILL));
        }
    }

    /** Our WAL on memory-mapped files, segments preallocated with {@code fallocate(2)}. */
    @State(Scope.Thread)
    public static class FallocateMmapWal extends Wal
    {
        @Setup
        public void open(final Common common) throws IOException
        {
            startOn(common, "wal-mmap-fallocate", MmapOptions.defaults().withPreallocation(Preallocation.FALLOCATE));
        }
    }

    /** Our WAL on memory-mapped files, {@code fallocate(2)} and the page warmer (1 MiB window). */
    @State(Scope.Thread)
    public static class WarmedMmapWal extends Wal
    {
        @Setup
        public void open(final Common common) throws IOException
        {
            startOn(common, "wal-mmap-warmed",
                MmapOptions.defaults().withPreallocation(Preallocation.FALLOCATE).withPageWarmer(1 << 20));
        }
    }

    /**
     * Our WAL on memory-mapped files, with a segment that always has room for the next {@value #BATCH}
     * appends when they are timed: the roll (and any wait for the spare) happens in an untimed setup.
     */
    @State(Scope.Thread)
    public static class QuietMmapWal extends MmapWal
    {
        int framesPerSegment;
        int framesInSegment;

        @Setup
        public void frames()
        {
            framesPerSegment = (WalOptions.DEFAULT_SEGMENT_CAPACITY - 64 - WalLayout.FRAME_HEADER_LENGTH)
                / WalLayout.frameLength(length) - 1;
        }

        /** Untimed: roll now if the next batch would not fit. */
        @Setup(Level.Invocation)
        public void makeRoom()
        {
            if (framesInSegment + BATCH > framesPerSegment)
            {
                final long full = writer.currentSegmentId();
                while (writer.currentSegmentId() == full)
                {
                    writer.append(payload);
                }
                framesInSegment = 1;
                trimOnRoll();
            }
            framesInSegment += BATCH;
        }
    }

    /** Our WAL on memory. */
    @State(Scope.Thread)
    public static class MemoryWal extends Wal
    {
        @Setup
        public void open(final Common common)
        {
            start(new MemoryDirectory(), common);
        }
    }

    /** Chronicle Queue, default roll cycle. */
    @State(Scope.Thread)
    public static class Chronicle
    {
        Path folder;
        ChronicleQueue queue;
        ExcerptAppender appender;
        Bytes<?> bytes;
        int length;

        @Setup
        public void open(final Common common) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, "chronicle");
            queue = ChronicleQueue.singleBuilder(folder).build();
            appender = queue.createAppender();
            length = common.payload;
            bytes = Bytes.allocateDirect(length);
            for (int i = 0; i < length; i++)
            {
                bytes.writeByte(common.bytes.getByte(i));
            }
        }

        @TearDown
        public void close() throws IOException
        {
            appender.close();
            queue.close();
            bytes.releaseLast();
            BenchFolders.delete(folder);
        }
    }

    /** The seed's design: framed records into a 64 KiB buffer, {@code FileChannel.write} when full. */
    @State(Scope.Thread)
    public static class ChannelWal
    {
        static final int BUFFER = 64 * 1024;
        static final long FILE_LIMIT = 64L * 1024 * 1024;
        static final int HEADER = 16;

        Path folder;
        FileChannel channel;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer crcView = buffer.duplicate();
        final CRC32C crc = new CRC32C();
        ByteBuffer payload;
        int length;
        long position;
        long id;

        @Setup
        public void open(final Common common) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, "channel-wal");
            channel = FileChannel.open(folder.resolve("wal.log"),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            length = common.payload;
            payload = common.bytes.byteBuffer();
        }

        @TearDown
        public void close() throws IOException
        {
            drain();
            channel.close();
            BenchFolders.delete(folder);
        }

        long append()
        {
            final int n = length;
            final ByteBuffer b = buffer;
            int at = b.position();
            if (at + HEADER + n > BUFFER)
            {
                drain();
                at = 0;
            }
            final long entryId = ++id;
            b.putLong(at + 8, entryId);
            b.put(at + HEADER, payload, 0, n);
            crcView.limit(at + HEADER + n).position(at + 8);
            crc.reset();
            crc.update(crcView);
            b.putInt(at, n);
            b.putInt(at + 4, (int)crc.getValue());
            b.position(at + HEADER + n);
            return entryId;
        }

        void drain()
        {
            try
            {
                buffer.flip();
                if (position >= FILE_LIMIT)
                {
                    position = 0;
                }
                while (buffer.hasRemaining())
                {
                    position += channel.write(buffer, position);
                }
                buffer.clear();
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
    }

    /** One preallocated, pre-touched mapping written frame after frame (our frame), wrapping at the end. */
    @State(Scope.Thread)
    public static class Raw
    {
        static final int CAPACITY = 64 * 1024 * 1024;
        static final int SALT = 0x5A17_5A17;

        Path folder;
        FileChannel channel;
        MappedByteBuffer map;
        UnsafeBuffer buffer;
        ByteBuffer crcView;
        final CRC32C crc = new CRC32C();
        UnsafeBuffer payload;
        int length;
        int frameLength;
        int frameSlot;
        int tail;
        long id;

        @Setup
        public void open(final Common common) throws IOException
        {
            folder = BenchFolders.create(common.dir, true, "raw-mmap");
            channel = FileChannel.open(folder.resolve("raw"),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            BenchFolders.allocate(channel, CAPACITY);
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            buffer = new UnsafeBuffer(map);
            for (int i = 0; i < CAPACITY; i += 4096)
            {
                buffer.putByte(i, (byte)0); // pre-touch: map every page writable now
            }
            crcView = map.duplicate();
            payload = common.bytes;
            length = common.payload;
            frameLength = WalLayout.FRAME_HEADER_LENGTH + length;
            frameSlot = WalLayout.frameLength(length);
        }

        @TearDown
        public void close() throws IOException
        {
            IoUtil.unmap(map);
            channel.close();
            BenchFolders.delete(folder);
        }

        long write()
        {
            int frame = tail;
            if (frame + frameSlot > CAPACITY)
            {
                frame = 0;
            }
            final long entryId = ++id;
            frame(buffer, crcView, crc, frame, payload, length, entryId);
            tail = frame + frameSlot;
            return entryId;
        }

        // The frame layout as docs/FORMAT.md ("Frame") gives it: the proxy writes our format by hand.
        private static final int ENTRY_ID_OFFSET = 8;
        private static final int TYPE_OFFSET = 16;
        private static final int FLAGS_OFFSET = 18;
        private static final int SALT_OFFSET = 20;
        static final int CRC_COVERAGE_OFFSET = 8;
        private static final short TYPE_DATA = 1;
        private static final boolean LITTLE_ENDIAN_NATIVE = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

        /**
         * Our frame, by hand: payload, id, type, flags, salt, CRC32C over the covered bytes, then the
         * length and CRC together in one 8-byte release store (format 2's commit: the length in the low
         * 32 bits, the CRC in the high 32, little-endian).
         */
        static void frame(
            final UnsafeBuffer b, final ByteBuffer crcView, final CRC32C crc, final int frame,
            final UnsafeBuffer payload, final int length, final long entryId)
        {
            final int frameLength = WalLayout.FRAME_HEADER_LENGTH + length;
            b.putBytes(frame + WalLayout.FRAME_HEADER_LENGTH, payload, 0, length);
            b.putLong(frame + ENTRY_ID_OFFSET, entryId);
            b.putShort(frame + TYPE_OFFSET, TYPE_DATA);
            b.putShort(frame + FLAGS_OFFSET, (short)0);
            b.putInt(frame + SALT_OFFSET, SALT);
            crcView.limit(frame + frameLength).position(frame + CRC_COVERAGE_OFFSET);
            crc.reset();
            crc.update(crcView);
            final long le = ((long)(int)crc.getValue() << 32) | (frameLength & 0xFFFF_FFFFL);
            b.putLongRelease(frame, LITTLE_ENDIAN_NATIVE ? le : Long.reverseBytes(le));
        }
    }

    /**
     * The physical proxy for a log that keeps moving into new files: the raw framed write of
     * {@link Raw}, but every 64 MiB file is written once, front to back, into fresh pages of a new
     * mapping, as our segments and Chronicle's cycle files are. The next file is prepared by a
     * background thread while this one fills (and the full one unmapped and deleted there), as
     * {@code MmapDirectory} does; {@code prep} says how:
     * <ul>
     *   <li>{@code sparse}: {@code setLength} only, no blocks reserved (Chronicle Queue's way; a full
     *   disk shows up as SIGBUS on a store);</li>
     *   <li>{@code zero-fill}: zeros written in 64 KiB writes, then {@code fdatasync}
     *   ({@code Preallocation.ZERO_FILL}, our default);</li>
     *   <li>{@code fallocate}: {@code fallocate(2)}, blocks reserved as unwritten extents
     *   ({@code Preallocation.FALLOCATE}).</li>
     * </ul>
     * The wait for a spare that is not ready yet, if any, is in the timed loop.
     */
    @State(Scope.Thread)
    public static class FreshRaw
    {
        /** How each new file gets its blocks. */
        @Param({"sparse", "zero-fill", "fallocate"})
        public String prep;

        static final int CAPACITY = Raw.CAPACITY;

        Path folder;
        ExecutorService background;
        Future<MappedByteBuffer> spare;
        MappedByteBuffer map;
        UnsafeBuffer buffer;
        ByteBuffer crcView;
        final CRC32C crc = new CRC32C();
        UnsafeBuffer payload;
        int length;
        int frameSlot;
        int tail;
        long id;
        long files;

        @Setup
        public void open(final Common common) throws Exception
        {
            if (prep.equals("fallocate") && !BenchNative.available())
            {
                throw new IllegalStateException("fallocate(2) is not available here: " + BenchNative.why());
            }
            folder = BenchFolders.create(common.dir, true, "raw-fresh");
            background = Executors.newSingleThreadExecutor(r ->
            {
                final Thread t = new Thread(r, "raw-fresh-preparer");
                t.setDaemon(true);
                return t;
            });
            payload = common.bytes;
            length = common.payload;
            frameSlot = WalLayout.frameLength(length);
            spare = background.submit(this::prepare);
            next();
        }

        @TearDown
        public void close() throws Exception
        {
            final MappedByteBuffer last = map;
            background.submit(() -> IoUtil.unmap(last)).get();
            spare.cancel(false);
            background.shutdown();
            background.awaitTermination(1, TimeUnit.MINUTES);
            if (!spare.isCancelled())
            {
                IoUtil.unmap(spare.get());
            }
            BenchFolders.delete(folder);
        }

        private MappedByteBuffer prepare() throws IOException
        {
            final Path file = folder.resolve("raw-" + (++files));
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"); FileChannel channel = raf.getChannel())
            {
                switch (prep)
                {
                    case "sparse":
                        raf.setLength(CAPACITY); // ftruncate: a hole, no blocks
                        break;
                    case "zero-fill":
                        BenchFolders.allocate(channel, CAPACITY);
                        break;
                    case "fallocate":
                        BenchNative.fallocate(file, CAPACITY);
                        break;
                    default:
                        throw new IllegalArgumentException("prep: sparse|zero-fill|fallocate, not " + prep);
                }
                return channel.map(FileChannel.MapMode.READ_WRITE, 0, CAPACITY);
            }
        }

        private void next()
        {
            final MappedByteBuffer full = map;
            final long fullFile = files - 1;
            try
            {
                map = spare.get();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
            buffer = new UnsafeBuffer(map);
            crcView = map.duplicate();
            tail = 0;
            if (full != null)
            {
                // Unmapped and deleted once full (unsynced), as the WAL benchmarks delete a rolled segment.
                background.submit(() ->
                {
                    IoUtil.unmap(full);
                    Files.deleteIfExists(folder.resolve("raw-" + fullFile));
                    return null;
                });
            }
            spare = background.submit(this::prepare);
        }

        long write()
        {
            if (tail + frameSlot > CAPACITY)
            {
                next();
            }
            final long entryId = ++id;
            Raw.frame(buffer, crcView, crc, tail, payload, length, entryId);
            tail += frameSlot;
            return entryId;
        }
    }

    @Benchmark
    public long walCodecMmap(final MmapWal wal)
    {
        return wal.appendCodec();
    }

    @Benchmark
    public long walCodecMmapZeroFill(final ZeroFillMmapWal wal)
    {
        return wal.appendCodec();
    }

    @Benchmark
    public long walCodecMmapFallocate(final FallocateMmapWal wal)
    {
        return wal.appendCodec();
    }

    @Benchmark
    public long walCodecMmapWarmed(final WarmedMmapWal wal)
    {
        return wal.appendCodec();
    }

    @Benchmark
    public long walClaimMmap(final MmapWal wal)
    {
        return wal.claimCommit();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long walCodecMmapBetweenRolls(final QuietMmapWal wal)
    {
        final WalWriter<DirectBuffer> writer = wal.writer;
        final DirectBuffer payload = wal.payload;
        long id = 0;
        for (int i = 0; i < BATCH; i++)
        {
            id = writer.append(payload);
        }
        return id;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long walClaimMmapBetweenRolls(final QuietMmapWal wal)
    {
        final WalWriter<DirectBuffer> writer = wal.writer;
        final DirectBuffer payload = wal.payload;
        final int n = wal.length;
        long id = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final WalClaim claim = writer.claim(n);
            claim.buffer().putBytes(claim.offset(), payload, 0, n);
            id = claim.commit(n);
        }
        return id;
    }

    @Benchmark
    public long walCodecMemory(final MemoryWal wal)
    {
        return wal.appendCodec();
    }

    @Benchmark
    public long walClaimMemory(final MemoryWal wal)
    {
        return wal.claimCommit();
    }

    @Benchmark
    public long chronicleWriteBytes(final Chronicle c)
    {
        c.appender.writeBytes(c.bytes);
        return c.appender.lastIndexAppended();
    }

    @Benchmark
    public long chronicleWritingDocument(final Chronicle c)
    {
        try (DocumentContext dc = c.appender.writingDocument())
        {
            dc.wire().bytes().write((BytesStore<?, ?>)c.bytes, 0L, (long)c.length);
            return dc.index();
        }
    }

    @Benchmark
    public long fileChannelWal(final ChannelWal wal)
    {
        return wal.append();
    }

    @Benchmark
    public long rawFramedMmap(final Raw raw)
    {
        return raw.write();
    }

    @Benchmark
    public long rawFramedFreshMmap(final FreshRaw raw)
    {
        return raw.write();
    }

    /** The floor under every framed write: CRC32C of one frame's covered bytes (header tail and payload). */
    @Benchmark
    public long crc32cAlone(final Raw raw)
    {
        final ByteBuffer view = raw.crcView;
        view.limit(raw.frameLength).position(Raw.CRC_COVERAGE_OFFSET);
        raw.crc.reset();
        raw.crc.update(view);
        return raw.crc.getValue();
    }
}
