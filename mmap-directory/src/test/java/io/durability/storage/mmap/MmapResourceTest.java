package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.NextSegment;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Rolled, read and deleted segments release their mapping and file descriptor: the counts in
 * /proc/self/maps and /proc/self/fd that mention the folder do not grow with the number of segments.
 */
class MmapResourceTest
{
    // INLINE: the next segment is named ahead at each roll and the old one closed at once, so the steady
    // state is exact (in the background mode the writer's thread does both a moment later).
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096)
        .withNextSegment(NextSegment.INLINE);

    @TempDir
    Path folder;

    @BeforeEach
    void needsProc()
    {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux /proc");
    }

    @Test
    void manyRollsReadsAndDeletionsLeakNoMappingsOrDescriptors()
    {
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);
            final byte[] entry = new byte[100];
            rollAndTrim(dir, w, entry, 5);
            dir.awaitPreparation();
            final long mappings = mappings();
            final long descriptors = descriptors();
            // The current segment, the next one named ahead and the prepared spare; plus the lock's descriptor.
            assertEquals(3, mappings, "mappings in steady state");
            assertEquals(4, descriptors, "descriptors in steady state");

            rollAndTrim(dir, w, entry, 300);
            dir.awaitPreparation();
            assertTrue(w.currentSegmentId() > 300);
            assertEquals(mappings, mappings(), "mappings after 300 more rolls");
            assertEquals(descriptors, descriptors(), "descriptors after 300 more rolls");
            w.close();
        }
        assertEquals(0, mappings(), "mappings after close");
        assertEquals(0, descriptors(), "descriptors after close");
    }

    /** Roll {@code rolls} times; at each roll make the log durable, read it back, and drop old segments. */
    private static void rollAndTrim(final MmapDirectory dir, final WalWriter<byte[]> w, final byte[] entry, final int rolls)
    {
        final long target = w.currentSegmentId() + rolls;
        long segment = w.currentSegmentId();
        while (w.currentSegmentId() < target)
        {
            w.append(entry);
            if (w.currentSegmentId() != segment)
            {
                segment = w.currentSegmentId();
                w.flushAndSync();
                assertTrue(new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayEach((id, e) -> { }) > 0);
                w.deleteSegmentsCoveredBy(w.lastEntryId());
            }
        }
    }

    private long mappings()
    {
        final String needle = folder.toString() + "/";
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps")))
        {
            return lines.filter(l -> l.contains(needle)).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private long descriptors()
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.filter(fd ->
            {
                try
                {
                    return Files.readSymbolicLink(fd).toString().startsWith(folder.toString() + "/");
                }
                catch (final IOException ex)
                {
                    return false; // closed while listing (the listing's own descriptor, for one)
                }
            }).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
