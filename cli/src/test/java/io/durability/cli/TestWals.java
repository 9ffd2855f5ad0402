package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.testing.Damage;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalLayout;
import io.durability.walog.NextSegment;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Real WAL folders under /tmp for the CLI tests (written with MmapDirectory and WalWriter, damaged
 * with core's Damage helpers), and the CLI run in-process with its output captured.
 */
final class TestWals
{
    /** Small segments, so a few hundred entries make a multi-segment WAL. */
    static final int SEGMENT = 4096;
    static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;

    private TestWals()
    {
    }

    /** What one CLI run printed and returned. */
    record Run(int exit, String out, String err)
    {
        List<String> lines()
        {
            return out.lines().toList();
        }
    }

    /** Run the CLI in-process, as {@code durability args...} would. */
    static Run cli(final String... args)
    {
        final CommandLine cl = DurabilityCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int exit = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return new Run(exit, out.toString(), err.toString());
    }

    /**
     * The writers of these tests create each segment at its roll ({@link NextSegment#AT_ROLL}): a crash
     * image then never holds a segment named ahead, whose presence would depend on a thread's timing, so
     * the final segment is the newest file. {@code RepairCommandTest.dropsANeverInitializedFinalSegment}
     * covers that state on purpose.
     */
    static WalOptions options()
    {
        return WalOptions.defaults().withSegmentCapacity(SEGMENT).withNextSegment(NextSegment.AT_ROLL);
    }

    static Path newFolder()
    {
        return io.durability.testing.TempFolders.create("durability-cli-test-");
    }

    /** The entry with id {@code id} in {@link #writeEntries}: every tenth deletes, the rest add. */
    static WalEntry entry(final long id)
    {
        return id % 10 == 0 ?
            new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(id - 1, id % 7))) :
            new WalEntry.AddSegment(id, id % 1000);
    }

    /**
     * A WalEntry WAL with entries 1..n. All but the last five are made durable by one
     * {@code flushAndSync}, so the final segment records a watermark: a bad frame in an earlier
     * segment is then corruption, and a bad frame at the end of the final one a torn tail.
     */
    static void writeEntries(final Path root, final int n)
    {
        withWriterThenCrash(root, WalEntryCodec.INSTANCE, w ->
        {
            for (long id = 1; id <= n; id++)
            {
                w.append(entry(id));
                if (id == n - 5)
                {
                    w.flushAndSync();
                }
            }
        });
    }

    /** A WAL of raw byte payloads {@code "entry-<id>"}, ids 1..n. */
    static void writeRaw(final Path root, final int n)
    {
        withWriterThenCrash(root, BytesCodec.INSTANCE, w ->
        {
            for (long id = 1; id <= n; id++)
            {
                w.append(("entry-" + id).getBytes(StandardCharsets.UTF_8));
            }
            w.flushAndSync();
        });
    }

    static <E> void withWriter(final Path root, final io.durability.codec.Codec<E> codec, final Consumer<WalWriter<E>> body)
    {
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<E> w = WalWriter.resume(dir, codec, options()))
        {
            body.accept(w);
        }
    }

    /**
     * Run {@code body} on a writer and leave the files as a process crash right after it would: the
     * writer's clean close (a final barrier and an exact watermark, which make every frame
     * acknowledged and protected) is undone, so the end of the final segment may be torn.
     */
    static <E> void withWriterThenCrash(
        final Path root, final io.durability.codec.Codec<E> codec, final Consumer<WalWriter<E>> body)
    {
        final java.util.Map<String, byte[]> image;
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            try (WalWriter<E> w = WalWriter.resume(dir, codec, options()))
            {
                body.accept(w);
                image = Damage.capture(dir, "wal");
            }
            Damage.restore(dir, "wal", image);
        }
    }

    static long[] segmentIds(final Path root)
    {
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            return WalLayout.segmentIds(dir, "wal");
        }
    }

    static String segmentPath(final long id)
    {
        return WalLayout.segmentPath("wal", id);
    }

    /**
     * A torn tail, as a power cut leaves it: the sector after the start of the final segment's last
     * frame that crosses a sector boundary never reached the disk (reads as zeros). Entries from that
     * frame on are lost. @return the torn frame.
     */
    static Damage.FrameSpan tearLastFrame(final Path root)
    {
        final long[] ids = segmentIds(root);
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            final String path = segmentPath(ids[ids.length - 1]);
            final Damage.FrameSpan crossing = Damage.lastFrameCrossingASector(dir, path, KIND);
            if (crossing != null)
            {
                Damage.tearFrame(dir, path, crossing);
                return crossing;
            }
            // Frames that never cross a sector (32-byte frames): the sector before the last frame's is
            // lost while the last one reached the disk.
            final List<Damage.FrameSpan> frames = Damage.frames(dir, path, KIND);
            final int lost = (frames.get(frames.size() - 1).offset() / Damage.SECTOR - 1) * Damage.SECTOR;
            if (lost < Damage.SECTOR)
            {
                throw new IllegalStateException("too few frames in " + path + " to tear");
            }
            Damage.zero(dir, path, lost, lost + Damage.SECTOR);
            return frames.stream().filter(f -> f.offset() + f.length() > lost).findFirst().orElseThrow();
        }
    }

    /**
     * Flip the last byte of data frame {@code index} of segment {@code segmentId} (negative: from the
     * end). @return the frame.
     */
    static Damage.FrameSpan flipInFrame(final Path root, final long segmentId, final int index)
    {
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            final String path = segmentPath(segmentId);
            final List<Damage.FrameSpan> data = Damage.frames(dir, path, KIND).stream().filter(f -> !f.seal()).toList();
            final Damage.FrameSpan victim = data.get(index < 0 ? data.size() + index : index);
            Damage.flipByte(dir, path, victim.offset() + victim.length() - 1);
            return victim;
        }
    }

    /** A digest of every file under {@code root}: to prove a command changed nothing. */
    static TreeMap<String, String> snapshot(final Path root)
    {
        final TreeMap<String, String> files = new TreeMap<>();
        try
        {
            Files.walkFileTree(root, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    if (!file.getFileName().toString().equals(".lock"))
                    {
                        files.put(root.relativize(file).toString(), sha256(Files.readAllBytes(file)));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return files;
    }

    private static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Delete a tree without following symbolic links. */
    static void delete(final Path root)
    {
        io.durability.testing.TempFolders.delete(root);
    }
}
