package io.durability.bench;

import io.durability.frame.FrameDescriptor;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalClaim;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * One thread appending 64-byte entries, measured in one run beside the physical limit:
 * <ul>
 *   <li>{@code walAppendCodec}: {@code WalWriter.append} on an {@code MmapDirectory}, the codec writing
 *   a {@link DirectBuffer} straight into the frame, sustained: rolls included;</li>
 *   <li>{@code walClaimCommit}: the same through {@code claim}, {@code putBytes}, {@code commit};</li>
 *   <li>{@code walAppendCodecBetweenRolls}, {@code walClaimCommitBetweenRolls}: the same, timed over
 *   batches of {@value #BATCH} appends that never cross a roll (the roll, and any wait for the spare
 *   being prepared, happen in an untimed setup): the cost of the append path itself;</li>
 *   <li>{@code rawFramedWrite}: the same frame (24-byte header, CRC32C over id, type, flags, salt and
 *   payload, length stored last with {@code putIntRelease}) written by hand into one preallocated,
 *   pre-touched mapping that wraps around: no log, no roll, no checks.</li>
 * </ul>
 * The WAL rolls 64 MiB segments as it goes (prepared ahead by the directory), and at each roll
 * syncs and deletes what it rolled past, so long runs do not fill memory: that amortised cost is
 * in its numbers. Files live in {@code /dev/shm} by default (the CPU path, not the disk's bandwidth);
 * pass {@code -p dir=/some/disk/folder} to include page-cache writeback.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"})
public class MmapAppendBenchmark
{
    /** Payload bytes per entry. */
    public static final int PAYLOAD = 64;

    /** Appends per timed invocation of the between-rolls benchmarks. */
    public static final int BATCH = 10_000;

    private static UnsafeBuffer payload()
    {
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAYLOAD));
        for (int i = 0; i < PAYLOAD; i++)
        {
            payload.putByte(i, (byte)(i * 31));
        }
        return payload;
    }

    /** A WAL on an MmapDirectory. */
    @State(Scope.Thread)
    public static class Wal
    {
        /** Parent folder; empty: {@code /dev/shm} when writable, else {@code java.io.tmpdir}. */
        @Param("")
        public String dir;

        /** Bytes per segment. */
        @Param("67108864")
        public int segmentCapacity;

        Path folder;
        MmapDirectory directory;
        WalWriter<DirectBuffer> writer;
        final UnsafeBuffer payload = payload();
        long segment;

        @Setup
        public void open() throws IOException
        {
            folder = BenchFolders.create(dir, false, "wal-bench");
            directory = MmapDirectory.open(folder);
            writer = WalWriter.create(
                directory, DirectBufferCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(segmentCapacity));
            segment = writer.currentSegmentId();
        }

        @TearDown
        public void close() throws IOException
        {
            writer.close();
            directory.close();
            BenchFolders.delete(folder);
        }

        /** After a roll: make the rolled segment durable (it is then unmapped) and delete it. */
        void trimOnRoll()
        {
            final long current = writer.currentSegmentId();
            if (current != segment)
            {
                segment = current;
                writer.flushAndSync();
                writer.deleteSegmentsCoveredBy(writer.lastEntryId());
            }
        }
    }

    /** A WAL whose segment always has room for the next {@value #BATCH} appends when they are timed. */
    @State(Scope.Thread)
    public static class QuietWal extends Wal
    {
        private int framesPerSegment;
        private int framesInSegment;

        @Setup
        public void frames()
        {
            // Header 64, seal 24, frames of 24 + 64: one frame of margin for rounding.
            framesPerSegment = (segmentCapacity - 64 - 24) / FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + PAYLOAD) - 1;
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

    /** One preallocated, pre-touched mapping written frame after frame, wrapping at the end. */
    @State(Scope.Thread)
    public static class Raw
    {
        private static final int CAPACITY = 64 * 1024 * 1024;
        private static final int FRAME_LENGTH = FrameDescriptor.HEADER_LENGTH + PAYLOAD;
        private static final int FRAME_SLOT = FrameDescriptor.align(FRAME_LENGTH);
        private static final int SALT = 0x5A17_5A17;

        /** Parent folder; empty: {@code /dev/shm} when writable, else {@code java.io.tmpdir}. */
        @Param("")
        public String dir;

        Path folder;
        FileChannel channel;
        MappedByteBuffer map;
        UnsafeBuffer buffer;
        ByteBuffer crcView;
        final CRC32C crc = new CRC32C();
        final UnsafeBuffer payload = payload();
        int tail;
        long id;

        @Setup
        public void open() throws IOException
        {
            folder = BenchFolders.create(dir, false, "raw-bench");
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
            if (frame + FRAME_SLOT > CAPACITY)
            {
                frame = 0;
            }
            final UnsafeBuffer b = buffer;
            final long entryId = ++id;
            b.putBytes(frame + FrameDescriptor.HEADER_LENGTH, payload, 0, PAYLOAD);
            b.putLong(frame + FrameDescriptor.ENTRY_ID_OFFSET, entryId);
            b.putShort(frame + FrameDescriptor.TYPE_OFFSET, FrameDescriptor.TYPE_DATA);
            b.putShort(frame + FrameDescriptor.FLAGS_OFFSET, (short)0);
            b.putInt(frame + FrameDescriptor.SALT_OFFSET, SALT);
            crcView.limit(frame + FRAME_LENGTH).position(frame + FrameDescriptor.CRC_COVERAGE_OFFSET);
            crc.reset();
            crc.update(crcView);
            b.putInt(frame + FrameDescriptor.CRC_OFFSET, (int)crc.getValue());
            b.putIntRelease(frame + FrameDescriptor.LENGTH_OFFSET, FRAME_LENGTH);
            tail = frame + FRAME_SLOT;
            return entryId;
        }
    }

    @Benchmark
    public long walAppendCodec(final Wal wal)
    {
        final long id = wal.writer.append(wal.payload);
        wal.trimOnRoll();
        return id;
    }

    @Benchmark
    public long walClaimCommit(final Wal wal)
    {
        final WalClaim claim = wal.writer.claim(PAYLOAD);
        claim.buffer().putBytes(claim.offset(), wal.payload, 0, PAYLOAD);
        final long id = claim.commit();
        wal.trimOnRoll();
        return id;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long walAppendCodecBetweenRolls(final QuietWal wal)
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
    public long walClaimCommitBetweenRolls(final QuietWal wal)
    {
        final WalWriter<DirectBuffer> writer = wal.writer;
        final DirectBuffer payload = wal.payload;
        long id = 0;
        for (int i = 0; i < BATCH; i++)
        {
            final WalClaim claim = writer.claim(PAYLOAD);
            claim.buffer().putBytes(claim.offset(), payload, 0, PAYLOAD);
            id = claim.commit();
        }
        return id;
    }

    @Benchmark
    public long rawFramedWrite(final Raw raw)
    {
        return raw.write();
    }
}
