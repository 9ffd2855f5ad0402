package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.SegmentFile;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What each {@link PreTouch} mode leaves in the page tables of a prepared spare (read from
 * /proc/self/smaps), that a WAL works on top of each, and that a closed segment's mapping is released
 * off the closing thread but never leaked.
 */
class MmapPreTouchTest
{
    private static final int CAPACITY = 8 * 1024 * 1024;
    /** The largest page-cache folio on x86-64 (PMD size): what one store can map and dirty at most. */
    private static final long MAX_FOLIO_KB = 2048;
    private static final long CAPACITY_KB = CAPACITY / 1024;

    @TempDir
    Path folder;

    @BeforeEach
    void needsProc()
    {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux /proc");
    }

    @ParameterizedTest
    @EnumSource(PreTouch.class)
    void aSpareIsTouchedAsAsked(final PreTouch mode) throws Exception
    {
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPreTouch(mode)))
        {
            final SegmentFile first = dir.createSegment("s/a.seg", CAPACITY);
            dir.awaitPreparation();
            final Smaps spare = smaps(".mmap-prepared-");
            final PreTouch effective = mode == PreTouch.AUTO ? SegmentPreparer.autoPreTouch(folder.resolve("s")) : mode;
            switch (effective)
            {
                case NONE:
                case CACHE:
                    // One store into the first page: its folio (a 4 KiB page, or a large folio) and nothing else
                    // (CACHE fills the page cache through write(2), not through this mapping).
                    assertTrue(spare.dirtyKb >= 4 && spare.dirtyKb <= MAX_FOLIO_KB, "the header's page stored into: " + spare);
                    assertTrue(spare.rssKb <= MAX_FOLIO_KB, "only the header's folio mapped: " + spare);
                    break;
                case READ:
                    assertEquals(CAPACITY_KB, spare.rssKb, "every page mapped: " + spare);
                    break;
                case WRITE:
                    assertEquals(CAPACITY_KB, spare.rssKb, "every page mapped: " + spare);
                    assertEquals(CAPACITY_KB, spare.dirtyKb, "every page dirty (writable): " + spare);
                    break;
                default:
                    fail("AUTO must resolve to a concrete mode");
            }
            first.close();
            final SegmentFile second = dir.createSegment("s/b.seg", CAPACITY);
            if (effective == PreTouch.CACHE)
            {
                // mincore(2): every page of the file is in the page cache before the writer touches it.
                assertTrue(((java.nio.MappedByteBuffer)second.byteBuffer()).isLoaded(), "every page in the page cache");
            }
            assertEquals(0, second.buffer().getLong(0), "handed out all zero");
            assertEquals(0, second.buffer().getLong(CAPACITY - 8), "handed out all zero");
            second.close();
        }
    }

    @Test
    void autoReadsOnlyOnMemoryFilesystems() throws IOException
    {
        final String type = Files.getFileStore(folder).type();
        final PreTouch expected = type.equals("tmpfs") || type.equals("ramfs") ? PreTouch.READ : PreTouch.NONE;
        assertEquals(expected, SegmentPreparer.autoPreTouch(folder), "file store type " + type);
        final Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.getFileStore(shm).type().equals("tmpfs"))
        {
            assertEquals(PreTouch.READ, SegmentPreparer.autoPreTouch(shm));
        }
    }

    @ParameterizedTest
    @EnumSource(value = PreTouch.class, names = {"NONE", "WRITE", "CACHE"})
    void aWalRollsAndReplaysOnEveryMode(final PreTouch mode)
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024);
        try (MmapDirectory dir = MmapDirectory.open(folder, MmapOptions.defaults().withPreTouch(mode)))
        {
            try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
            {
                for (int i = 1; i <= 5_000; i++)
                {
                    w.append(entry(i));
                }
                w.flushAndSync();
                assertTrue(w.currentSegmentId() > 3, "rolled: " + w.currentSegmentId());
            }
            final List<WalRecord<byte[]>> read = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay(ReplayMode.STRICT);
            assertEquals(5_000, read.size());
            for (int i = 1; i <= 5_000; i++)
            {
                assertEquals(i, read.get(i - 1).entryId());
                assertArrayEquals(entry(i), read.get(i - 1).payload(), "entry " + i);
            }
        }
    }

    @Test
    void aClosedSegmentIsUnmappedByThePreparerAndInlineOnceTheDirectoryIsClosed()
    {
        final MmapDirectory dir = MmapDirectory.open(folder);
        final SegmentFile a = dir.createSegment("s/a.seg", CAPACITY);
        final SegmentFile b = dir.createSegment("s/b.seg", CAPACITY);
        dir.awaitPreparation();
        assertEquals(1, mappings("/s/a.seg"));
        a.close();
        assertTrue(a.isClosed());
        dir.awaitPreparation();
        assertEquals(0, mappings("/s/a.seg"), "released on the preparing thread");
        dir.close();
        assertEquals(0, mappings(".mmap-prepared-"), "spare deleted with the directory");
        assertEquals(1, mappings("/s/b.seg"), "the directory does not close open segments");
        b.close();
        assertEquals(0, mappings("/s/b.seg"), "released inline once the directory is closed");
    }

    private static byte[] entry(final int i)
    {
        final byte[] bytes = new byte[20 + i % 50];
        for (int k = 0; k < bytes.length; k++)
        {
            bytes[k] = (byte)(i * 31 + k);
        }
        return bytes;
    }

    private long mappings(final String needle)
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains(folder.toString()) && l.contains(needle)).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The smaps fields of the one mapping whose path contains {@code needle}, below this test's folder. */
    private Smaps smaps(final String needle) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        final List<Smaps> found = new ArrayList<>();
        Smaps current = null;
        for (final String line : lines)
        {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*"))
            {
                current = line.contains(folder.toString()) && line.contains(needle) ? new Smaps(line) : null;
                if (current != null)
                {
                    found.add(current);
                }
            }
            else if (current != null)
            {
                final String[] parts = line.trim().split("\\s+");
                if (parts[0].equals("Rss:"))
                {
                    current.rssKb = Long.parseLong(parts[1]);
                }
                else if (parts[0].equals("Shared_Dirty:") || parts[0].equals("Private_Dirty:"))
                {
                    current.dirtyKb += Long.parseLong(parts[1]);
                }
            }
        }
        assertEquals(1, found.size(), "one mapping matching " + needle + ": " + found);
        return found.get(0);
    }

    private static final class Smaps
    {
        final String header;
        long rssKb;
        long dirtyKb;

        Smaps(final String header)
        {
            this.header = header;
        }

        @Override
        public String toString()
        {
            return header + " rss=" + rssKb + "kB dirty=" + dirtyKb + "kB";
        }
    }
}
