package io.durability.bench;

import io.durability.checkpoint.CheckpointDescriptor;
import io.durability.checkpoint.CheckpointFile;
import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexCodec;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Issue 14: checkpoint publish and recovery of the demo's state at scale, against the floor of reading
 * and CRC-checking the checkpoint file's bytes.
 *
 * <p>Builds the state {@code durability demo --entries N} builds (every 10th entry a
 * {@code DeleteDocuments} of one document of the segment before it, the rest {@code AddSegment}: 900 000
 * segments for N = 1 000 000) in a WAL of the demo's 16 MiB segments on a temporary folder, then times, {@code --reps} times each,
 * median reported: (a) {@code CheckpointPublisher.publish} of the state (encode, durable write, marker),
 * (b) {@code RecoveryManager.recoverLatest} (read, validate, decode the checkpoint, replay the WAL
 * after it), (c) the floor: read the checkpoint file's bytes and CRC32C them.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     io.durability.bench.CheckpointScale [--entries 1000000] [--reps 3] [--segment-mib 16] [--dir /tmp]
 * </pre>
 */
public final class CheckpointScale
{
    private CheckpointScale()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        int entries = 1_000_000;
        int reps = 3;
        int segmentMib = 16;
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        Path out = null;
        for (int i = 0; i < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--entries" -> entries = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--dir" -> parent = Path.of(args[i + 1]);
                case "--segment-mib" -> segmentMib = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final Path root = Files.createTempDirectory(parent, "checkpoint-scale-");
        try
        {
            run(root, entries, reps, segmentMib, out);
        }
        finally
        {
            try (Stream<Path> files = Files.walk(root))
            {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(final Path root, final int entries, final int reps, final int segmentMib, final Path out)
        throws IOException
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(segmentMib * 1024 * 1024);
        final long[] publish = new long[reps];
        final long[] read = new long[reps];
        final long[] recover = new long[reps];
        final long[] floor = new long[reps];
        final long[] heapFloor = new long[reps];
        final long[] decodeAllocated = new long[reps];
        final long[] rawWrite = new long[reps];
        final long[] walScan = new long[reps];
        final long[] encode = new long[reps];
        final long[] encodeReused = new long[reps];
        long walBytes = 0;
        int segments = -1;
        long fileBytes = -1;
        String checkpoint = null;
        long crcs = 0;
        try (MmapDirectory directory = MmapDirectory.open(root))
        {
            final SegmentIndexState state = new SegmentIndexState();
            final long last;
            try (WalWriter<WalEntry> w = WalWriter.create(directory, WalEntryCodec.INSTANCE, options))
            {
                for (int i = 0; i < entries; i++)
                {
                    final long id = w.nextEntryId();
                    final WalEntry e = i % 10 == 9 ?
                        new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(id - 1, i % 1000))) :
                        new WalEntry.AddSegment(id, i % 1000);
                    w.append(e);
                    RecoveryManager.apply(state, id, e);
                }
                w.flushAndSync();
                last = w.lastEntryId();
                final CheckpointPublisher<SegmentIndexState, WalEntry> publisher =
                    CheckpointPublisher.forSegmentIndex(directory, w);
                PublishResult result = null;
                CheckpointFile.Encoded reused = null;
                for (int r = 0; r < reps; r++)
                {
                    final long t0 = System.nanoTime();
                    result = publisher.publish(state, last);
                    publish[r] = System.nanoTime() - t0;
                    final long t1 = System.nanoTime();
                    crcs ^= CheckpointFile.encode(last, state, SegmentIndexCodec.INSTANCE, Integer.MAX_VALUE - 64).length;
                    encode[r] = System.nanoTime() - t1;
                    // What the publisher does: encode into the array of its previous checkpoint.
                    final long t2 = System.nanoTime();
                    reused = CheckpointFile.encode(last, state, SegmentIndexCodec.INSTANCE, Integer.MAX_VALUE - 64,
                        reused == null ? null : reused.bytes());
                    encodeReused[r] = System.nanoTime() - t2;
                    crcs ^= reused.length();
                }
                checkpoint = result.checkpointPath();
            }
            final Path file = root.resolve(checkpoint);
            try (Stream<Path> segs = Files.list(root.resolve(options.walDir())))
            {
                walBytes = segs.mapToLong(p -> p.toFile().length()).sum();
            }
            fileBytes = Files.size(file);
            for (int r = 0; r < reps; r++)
            {
                final long t0 = System.nanoTime();
                final Recovered<SegmentIndexState> rec = new RecoveryManager(directory, options).recoverLatest();
                recover[r] = System.nanoTime() - t0;
                segments = rec.state().segments().size();
                final long t3 = System.nanoTime();
                new io.durability.walog.WalReader<>(directory, WalEntryCodec.INSTANCE, options)
                    .replayFrames(io.durability.walog.ReplayMode.STRICT, (id, buffer, offset, length) -> { });
                walScan[r] = System.nanoTime() - t3;
                final long a0 = ALLOCATION.getCurrentThreadAllocatedBytes();
                final long t2 = System.nanoTime();
                final SegmentIndexState decoded = CheckpointFile.read(directory, checkpoint, SegmentIndexCodec.INSTANCE).state();
                read[r] = System.nanoTime() - t2;
                decodeAllocated[r] = ALLOCATION.getCurrentThreadAllocatedBytes() - a0;
                heapFloor[r] = freshArrays(decodeAllocated[r]);
                if (!decoded.equals(rec.state()))
                {
                    throw new IllegalStateException("the checkpoint does not hold the recovered state");
                }
                final long t1 = System.nanoTime();
                final byte[] bytes = Files.readAllBytes(file);
                final CRC32C header = new CRC32C();
                header.update(bytes, 0, CheckpointDescriptor.HEADER_CRC_OFFSET);
                final CRC32C payload = new CRC32C();
                payload.update(bytes, CheckpointDescriptor.HEADER_LENGTH, bytes.length - CheckpointDescriptor.HEADER_LENGTH);
                floor[r] = System.nanoTime() - t1;
                crcs ^= header.getValue() ^ payload.getValue();
                rawWrite[r] = rawDurableWrite(root, bytes);
            }
        }
        final double f = median(floor);
        System.out.printf(Locale.ROOT, "entries %d, segments %d, checkpoint %d bytes (crc %x)%n", entries, segments,
            fileBytes, crcs);
        System.out.printf(Locale.ROOT, "publish  median %8.1f ms  %s  %.1fx floor%n", median(publish) / 1e6,
            ms(publish), median(publish) / f);
        System.out.printf(Locale.ROOT, "  encode into a new array (CheckpointFile.encode) median %8.1f ms  %s%n", median(encode) / 1e6,
            ms(encode));
        System.out.printf(Locale.ROOT, "  of which encode into the previous array (what publish does) median %8.1f ms  %s  %.0f MB/s%n",
            median(encodeReused) / 1e6, ms(encodeReused), fileBytes / (median(encodeReused) / 1e3));
        System.out.printf(Locale.ROOT, "recover  median %8.1f ms  %s  %.1fx floor%n", median(recover) / 1e6,
            ms(recover), median(recover) / f);
        System.out.printf(Locale.ROOT, "  one strict scan of the WAL (%d bytes of segment files, every CRC) median %8.1f ms  %s%n",
            walBytes, median(walScan) / 1e6, ms(walScan));
        System.out.printf(Locale.ROOT, "  of which checkpoint read+decode (CheckpointFile.read) median %8.1f ms  %s  %.1fx floor%n",
            median(read) / 1e6, ms(read), median(read) / f);
        System.out.printf(Locale.ROOT, "floor    median %8.1f ms  %s  (read the file + CRC32C)%n", f / 1e6, ms(floor));
        final double h = median(heapFloor);
        System.out.printf(Locale.ROOT, "heap floor median %8.1f ms  %s  (the %.1f MB read+decode allocates, as plain long[] written once); " +
            "recover %.1fx floor + heap floor, read+decode %.1fx%n", h / 1e6, ms(heapFloor), median(decodeAllocated) / 1e6,
            median(recover) / (f + h), median(read) / (f + h));
        System.out.printf(Locale.ROOT, "raw durable write median %8.1f ms  %s  (the same bytes: write, fdatasync, rename, folder fsync); publish %.2fx it%n",
            median(rawWrite) / 1e6, ms(rawWrite), median(publish) / median(rawWrite));
        if (out != null)
        {
            Files.writeString(out, String.format(Locale.ROOT,
                "{\"entries\": %d, \"segments\": %d, \"checkpointBytes\": %d, \"reps\": %d, \"publishMs\": %.3f, " +
                "\"recoverMs\": %.3f, \"readDecodeMs\": %.3f, \"floorMs\": %.3f, \"rawWriteMs\": %.3f, \"walScanMs\": %.3f, \"encodeMs\": %.3f, \"encodeReusedMs\": %.3f, \"walBytes\": %d, \"publishAll\": \"%s\", " +
                "\"recoverAll\": \"%s\", \"floorAll\": \"%s\"}%n",
                entries, segments, fileBytes, reps, median(publish) / 1e6, median(recover) / 1e6, median(read) / 1e6,
                f / 1e6, median(rawWrite) / 1e6, median(walScan) / 1e6, median(encode) / 1e6, median(encodeReused) / 1e6, walBytes, ms(publish), ms(recover), ms(floor)));
        }
    }

    private static final com.sun.management.ThreadMXBean ALLOCATION =
        (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();

    /** Sink for {@link #freshArrays}, so the arrays are not optimized away. */
    static long sink;

    /**
     * The floor of producing a decoded state in the heap: {@code bytes} of new {@code long[]} (1 MiB each,
     * held until the end, as a decoded state holds its arrays), every element written once.
     * @return nanoseconds.
     */
    private static long freshArrays(final long bytes)
    {
        final int chunk = 1 << 17;
        final long[][] arrays = new long[(int)((bytes / 8 + chunk - 1) / chunk)][];
        final long t0 = System.nanoTime();
        for (int i = 0; i < arrays.length; i++)
        {
            final long[] a = new long[chunk];
            for (int j = 0; j < chunk; j++)
            {
                a[j] = j ^ i;
            }
            arrays[i] = a;
        }
        final long took = System.nanoTime() - t0;
        for (final long[] a : arrays)
        {
            sink += a[a.length - 1];
        }
        return took;
    }

    /** The physical proxy of a publish: the checkpoint's bytes written as a new file, made durable, renamed in. */
    private static long rawDurableWrite(final Path root, final byte[] bytes) throws IOException
    {
        final Path tmp = root.resolve("raw-checkpoint.tmp");
        final Path file = root.resolve("raw-checkpoint");
        final long t0 = System.nanoTime();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE))
        {
            final java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining())
            {
                ch.write(b);
            }
            ch.force(false);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (java.nio.channels.FileChannel folder = java.nio.channels.FileChannel.open(root, java.nio.file.StandardOpenOption.READ))
        {
            folder.force(true);
        }
        final long took = System.nanoTime() - t0;
        Files.delete(file);
        return took;
    }

    private static double median(final long[] v)
    {
        final long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    private static String ms(final long[] v)
    {
        final StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++)
        {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", v[i] / 1e6));
        }
        return b.append(" ms]").toString();
    }
}
