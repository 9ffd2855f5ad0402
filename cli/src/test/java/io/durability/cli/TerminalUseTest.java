package io.durability.cli;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalMaintenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The tool as a person at a terminal uses it (issue 13): ranges that are not there, bad arguments,
 * folders that are not a WAL, a final segment that never got its header, magic numbers, wide
 * columns. Run in-process; {@link ProcessUseTest} covers pipes, terminals and signals.
 */
class TerminalUseTest
{
    @TempDir
    Path root;

    // ------------------------------------------------------------------ case 2: dump ranges

    @Test
    void aRangeThatEndsBeforeATornTailIsPrintedWholeAndExitsZero()
    {
        TestWals.writeEntries(root, 250);
        final long lost = TestWals.tearLastFrame(root).entryId();
        final long last = lost - 1;
        final TestWals.Run r = cli("dump", root.toString(), "--from", Long.toString(last - 1), "--to", Long.toString(last));
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(2, r.lines().size(), r.out());
        assertTrue(r.lines().get(1).startsWith(last + "  "), last + " in\n" + r.out());
        assertEquals("", r.err(), "nothing after --to was read");

        // A range that reaches into the torn tail still fails, after printing what is there.
        final TestWals.Run into = cli("dump", root.toString(), "--from", Long.toString(last), "--to", Long.toString(lost));
        assertEquals(ExitCodes.TORN_TAIL, into.exit(), into.err());
        assertEquals(1, into.lines().size(), into.out());
    }

    @Test
    void entriesTruncatedAfterACheckpointAreReportedMissing()
    {
        TestWals.writeEntries(root, 2000);
        final long first;
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            assertTrue(WalMaintenance.deleteSegmentsCoveredBy(dir, TestWals.options(), 1000) > 0);
            first = WalMaintenance.segmentRanges(dir, TestWals.options()).get(0).startEntryId();
        }
        assertTrue(first > 10);

        final TestWals.Run none = cli("dump", root.toString(), "--from", "1", "--to", "10");
        assertEquals(ExitCodes.NOT_FOUND, none.exit(), none.err());
        assertEquals("", none.out());
        assertTrue(none.err().contains("none of entries 1..10 is in the WAL: the WAL starts at entry " + Text.count(first) +
            " (the entries before it were truncated after a checkpoint)"), none.err());

        final TestWals.Run part = cli("dump", root.toString(), "--from", Long.toString(first - 5), "--to",
            Long.toString(first + 4));
        assertEquals(ExitCodes.NOT_FOUND, part.exit(), part.err());
        assertEquals(5, part.lines().size(), part.out());
        assertTrue(part.err().contains("printed 5 of entries " + Text.count(first - 5) + ".." + Text.count(first + 4) +
            ": entries " + Text.count(first - 5) + ".." + Text.count(first - 1) + " are not in the WAL"), part.err());

        // No range asked for: the WAL as it is, exit 0.
        final TestWals.Run all = cli("dump", root.toString());
        assertEquals(ExitCodes.OK, all.exit(), all.err());
        assertTrue(all.lines().get(0).startsWith(first + "  "), all.lines().get(0));
    }

    @Test
    void aRangePastTheEndIsNotFound()
    {
        TestWals.writeRaw(root, 50);
        final TestWals.Run past = cli("dump", root.toString(), "--codec", "raw", "--from", "51");
        assertEquals(ExitCodes.NOT_FOUND, past.exit());
        assertEquals("", past.out());
        assertTrue(past.err().contains("none of entries 51.. is in the WAL: the WAL holds entries 1..50"), past.err());

        final TestWals.Run beyond = cli("dump", root.toString(), "--codec", "raw", "--from", "49", "--to", "60");
        assertEquals(ExitCodes.NOT_FOUND, beyond.exit());
        assertEquals(2, beyond.lines().size());
        assertTrue(beyond.err().contains("entries 51..60 are not in the WAL; the WAL holds entries 1..50"), beyond.err());

        assertEquals(ExitCodes.USAGE, cli("dump", root.toString(), "--from", "0").exit());
        assertEquals(ExitCodes.USAGE, cli("dump", root.toString(), "--from", "9", "--to", "3").exit());
    }

    // ------------------------------------------------------------------ case 4: demo arguments

    @Test
    void demoRefusesSegmentSizesItCannotMapAsUsageAndLeavesNoFolder() throws IOException
    {
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        final List<Path> before = demoFolders(tmp);
        for (final String mib : List.of("4096", "2048", "0", "-3"))
        {
            final TestWals.Run r = cli("demo", "--entries", "10", "--segment-mib", mib);
            assertEquals(ExitCodes.USAGE, r.exit(), mib + ": " + r.err());
            assertTrue(r.err().contains("--segment-mib must be 1..2047"), r.err());
            assertEquals("", r.out(), "nothing started");
        }
        assertEquals(ExitCodes.USAGE, cli("demo", "--entries", "0").exit());
        assertEquals(before, demoFolders(tmp), "no temporary folder left behind");
    }

    private static List<Path> demoFolders(final Path tmp) throws IOException
    {
        try (Stream<Path> s = Files.list(tmp))
        {
            return s.filter(p -> p.getFileName().toString().startsWith("durability-demo-")).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ case 5: folders

    @Test
    void aWalDirOutsideTheFolderIsBadUsage()
    {
        TestWals.writeEntries(root, 20);
        for (final String walDir : List.of("../x", "/abs", "", "a/../../b"))
        {
            final TestWals.Run r = cli("verify", root.toString(), "--wal-dir", walDir);
            assertEquals(ExitCodes.USAGE, r.exit(), "'" + walDir + "': " + r.err());
            assertTrue(r.err().startsWith("durability: --wal-dir '" + walDir + "': "), r.err());
        }
    }

    @Test
    void aFolderWithoutSegmentsIsNotAWal() throws IOException
    {
        TestWals.writeEntries(root, 20);
        Files.createDirectories(root.resolve("checkpoints"));
        Files.writeString(root.resolve("checkpoints/notes.txt"), "not a segment");
        for (final String cmd : List.of("verify", "inspect", "dump", "repair"))
        {
            final TestWals.Run r = cli(cmd, root.toString(), "--wal-dir", "checkpoints");
            assertEquals(ExitCodes.NOT_FOUND, r.exit(), cmd + ": " + r.out() + r.err());
            assertTrue(r.err().contains("not a WAL: " + root.resolve("checkpoints") + " holds no segment file (wal-1.seg, ...) but 1 other file"),
                r.err());
        }
        assertEquals(List.of("notes.txt"), names(root.resolve("checkpoints")), "nothing was written there");
    }

    @Test
    void theWalFolderItselfGetsASuggestion()
    {
        TestWals.writeEntries(root, 20);
        final TestWals.Run r = cli("verify", root.resolve("wal").toString());
        assertEquals(ExitCodes.NOT_FOUND, r.exit());
        assertTrue(r.err().contains("holds segment files itself: it is a WAL folder, so name the folder above it, " + root),
            r.err());
    }

    private static List<String> names(final Path folder)
    {
        try (Stream<Path> s = Files.list(folder))
        {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    // ------------------------------------------------------------------ case 7

    @Test
    void aZeroFilledFinalSegmentIsReportedAndRepairReplacesIt() throws IOException
    {
        // A writer that sealed segment N and died before the header of N + 1 reached the disk.
        final long[] sealedAt = {0};
        TestWals.withWriterThenCrash(root, io.durability.walog.WalEntryCodec.INSTANCE, w ->
        {
            long id = 1;
            final long start = w.currentSegmentId();
            while (w.currentSegmentId() < start + 2)
            {
                w.append(TestWals.entry(id++));
            }
            sealedAt[0] = w.lastEntryId();
        });
        final long[] ids = TestWals.segmentIds(root);
        final Path last = root.resolve(TestWals.segmentPath(ids[ids.length - 1]));
        // The final segment holds the one entry that made it roll, never acknowledged: a power cut may
        // leave it as the zero-filled file it was created as.
        Files.write(last, new byte[TestWals.SEGMENT]);

        final TestWals.Run verify = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, verify.exit(), verify.err());
        assertTrue(verify.out().contains("1 uninitialized final segment ignored"), verify.out());

        final TreeMap<String, String> before = TestWals.snapshot(root);
        final TestWals.Run repair = cli("repair", root.toString());
        assertEquals(ExitCodes.OK, repair.exit(), repair.err());
        assertTrue(repair.out().contains("dropped: " + TestWals.segmentPath(ids[ids.length - 1]) +
            " (never initialized: named ahead by a writer that did not close, or its header never reached the disk)"),
            repair.out());
        assertTrue(repair.out().contains("created: " + TestWals.segmentPath(ids[ids.length - 1]) + " (anew, empty"),
            repair.out());
        assertNotEquals(before, TestWals.snapshot(root), "the zero-filled file was replaced");
        final TestWals.Run after = cli("verify", root.toString());
        assertEquals(ExitCodes.OK, after.exit(), after.err());
        assertFalse(after.out().contains("ignored"), after.out());
        assertTrue(after.out().contains("(ids 1.." + (sealedAt[0] - 1) + ")"), after.out());
    }

    @Test
    void magicNumbersAreShownOneWay() throws IOException
    {
        TestWals.writeEntries(root, 20);
        Files.createDirectories(root.resolve("checkpoints"));
        final byte[] chkBytes = new byte[4096];
        System.arraycopy("NOTACHKP".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, chkBytes, 0, 8);
        Files.write(root.resolve("checkpoints/bad.chk"), chkBytes);
        final TestWals.Run chk = cli("checkpoint", "show", root.resolve("checkpoints/bad.chk").toString());
        assertEquals(ExitCodes.CORRUPT, chk.exit());
        assertTrue(chk.err().contains("expected=\"DURBLCKP\" (44 55 52 42 4c 43 4b 50), found=\"NOTACHKP\" (4e 4f 54 41 43 48 4b 50)"),
            chk.err());

        final Path seg = root.resolve(TestWals.segmentPath(1));
        final byte[] bytes = Files.readAllBytes(seg);
        bytes[0] = 'X';
        Files.write(seg, bytes);
        final TestWals.Run verify = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, verify.exit());
        assertTrue(verify.err().contains("expected=\"DURBLSEG\" (44 55 52 42 4c 53 45 47), found=\"XURBLSEG\" (58 55 52 42 4c 53 45 47)"),
            verify.err());
    }

    @Test
    void inspectColumnsFitTheirContent()
    {
        // A 1 GiB segment, 100 MiB used: "104,8..,... / 1,073,741,824 (9%)" overflowed the fixed
        // 31-character column. On tmpfs where there is one: a GiB of page cache on disk would be slow to sync.
        final Path shm = Path.of("/dev/shm");
        final Path folder = Files.isDirectory(shm) && Files.isWritable(shm) ? tempIn(shm) : TestWals.newFolder();
        try
        {
            final int capacity = 1 << 30;
            try (MmapDirectory dir = MmapDirectory.open(folder,
                    io.durability.storage.mmap.MmapOptions.defaults().withPrepareAhead(false));
                io.durability.walog.WalWriter<byte[]> w = io.durability.walog.WalWriter.create(dir,
                    io.durability.codec.BytesCodec.INSTANCE, io.durability.walog.WalOptions.defaults().withSegmentCapacity(capacity)))
            {
                final byte[] big = new byte[1 << 20];
                for (int i = 0; i < 100; i++)
                {
                    w.append(big);
                }
            }
            final TestWals.Run r = cli("inspect", folder.toString());
            assertEquals(ExitCodes.OK, r.exit(), r.err());
            final List<String> lines = r.lines();
            final int header = lines.indexOf(lines.stream().filter(l -> l.strip().startsWith("segment")).findFirst().orElseThrow());
            final String head = lines.get(header);
            final String row = lines.get(header + 1);
            final int[] starts = {head.indexOf("entries"), head.indexOf("used / capacity"), head.indexOf("state"),
                head.indexOf("watermark")};
            for (final int start : starts)
            {
                assertTrue(start > 0 && row.length() > start && row.charAt(start - 1) == ' ' && row.charAt(start) != ' ',
                    "a column starts at " + start + " in every row:\n" + head + "\n" + row);
            }
            assertTrue(row.contains(" / 1,073,741,824 (9%)  final"), row);
        }
        finally
        {
            TestWals.delete(folder);
        }
    }

    private static Path tempIn(final Path parent)
    {
        try
        {
            return Files.createTempDirectory(parent, "durability-cli-test-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    // ------------------------------------------------------------------ case 3: progress (in-process)

    @Test
    void progressTotalsAreTheBytesInUseAndEveryLongPhaseShowsProgress() throws IOException
    {
        TestWals.writeRaw(root, 50);
        final byte[] last = Files.readAllBytes(root.resolve(TestWals.segmentPath(TestWals.segmentIds(root)[0])));
        int used = last.length;
        while (used > 0 && last[used - 1] == 0)
        {
            used--;
        }
        assertTrue(used < TestWals.SEGMENT / 2, "a partly used segment");
        final TestWals.Run dump = cli("--progress", "always", "dump", root.toString(), "--codec", "raw");
        assertEquals(ExitCodes.OK, dump.exit(), dump.err());
        assertTrue(dump.err().contains("dump [") && dump.err().contains(" / " + Text.bytes(used)),
            "the total is the " + used + " bytes in use, not the capacity: " + dump.err());
        assertFalse(dump.err().contains("/ 4.0 KiB"), dump.err());
        for (final String cmd : List.of("verify", "inspect", "repair"))
        {
            final TestWals.Run r = cli("--progress", "always", cmd, root.toString());
            assertEquals(ExitCodes.OK, r.exit(), cmd + ": " + r.err());
            assertTrue(r.err().contains("[") && r.err().contains(" / " + Text.bytes(used)), cmd + ": " + r.err());
        }
        final TestWals.Run never = cli("--progress", "never", "verify", root.toString());
        assertEquals("", never.err());

        final TestWals.Run demo = cli("--progress", "always", "demo", "--entries", "3000", "--segment-mib", "1");
        assertEquals(ExitCodes.OK, demo.exit(), demo.err());
        for (final String phase : List.of("append [", "publish: recovering the state, writing the checkpoint ... ",
            "recover ... "))
        {
            assertTrue(demo.err().contains(phase), phase + " in " + demo.err());
        }
    }

    @Test
    void terminalDevicesAreTold()
    {
        assertTrue(Terminal.isTerminalDevice("/dev/pts/3"));
        assertTrue(Terminal.isTerminalDevice("/dev/tty1"));
        assertFalse(Terminal.isTerminalDevice("/tmp/e.txt"));
        assertFalse(Terminal.isTerminalDevice("pipe:[123456]"));
        assertFalse(Terminal.isTerminalDevice("/dev/null"));
    }

    // ------------------------------------------------------------------ case 7: codec, --skip-damage

    /** Bytes as they are, recorded as an application codec (id 70001): not WalEntry, whatever the bytes. */
    private static final io.durability.codec.Codec<byte[]> APP_CODEC = new io.durability.codec.Codec<>()
    {
        @Override
        public int encode(final byte[] value, final org.agrona.MutableDirectBuffer buffer, final int offset,
            final int maxLength)
        {
            return io.durability.codec.BytesCodec.INSTANCE.encode(value, buffer, offset, maxLength);
        }

        @Override
        public byte[] decode(final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            return io.durability.codec.BytesCodec.INSTANCE.decode(buffer, offset, length);
        }

        @Override
        public int id()
        {
            return 70001;
        }
    };

    @Test
    void dumpDecodesWithTheCodecTheWalRecords(@TempDir final Path entries)
    {
        // Bytes that happen to decode as WalEntry, written by another codec: they were shown as AddSegment[...].
        final byte[] lookAlike = encoded(new io.durability.walog.WalEntry.AddSegment(7, 8));
        TestWals.withWriter(root, APP_CODEC, w ->
        {
            w.append(lookAlike);
            w.append(lookAlike);
        });
        final TestWals.Run auto = cli("dump", root.toString());
        assertEquals(ExitCodes.OK, auto.exit(), auto.err());
        assertFalse(auto.out().contains("AddSegment"), auto.out());
        assertTrue(auto.lines().get(0).startsWith("1  " + lookAlike.length + " bytes  "), auto.out());
        final TestWals.Run forced = cli("dump", root.toString(), "--codec", "walentry");
        assertEquals(ExitCodes.USAGE, forced.exit(), forced.out());
        assertTrue(forced.err().contains("the WAL records its codec as an application codec (id 70001), not WalEntry"),
            forced.err());
        assertTrue(cli("inspect", root.toString()).out().contains("codec: an application codec (id 70001)"));

        TestWals.writeEntries(entries, 20);
        final TestWals.Run decoded = cli("dump", entries.toString(), "--to", "1");
        assertEquals(ExitCodes.OK, decoded.exit(), decoded.err());
        assertEquals("1  AddSegment[segmentId=1, docCount=1]", decoded.out().strip());
    }

    private static byte[] encoded(final io.durability.walog.WalEntry entry)
    {
        final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(new byte[256]);
        final int n = io.durability.walog.WalEntryCodec.INSTANCE.encode(entry, b, 0, 256);
        final byte[] bytes = new byte[n];
        b.getBytes(0, bytes);
        return bytes;
    }

    @Test
    void skipDamageLosesOnlyTheDamagedEntryAndLabelsItsIdsAndBytes(@TempDir final Path clean)
    {
        TestWals.writeEntries(root, 250);
        final long[] ids = TestWals.segmentIds(root);
        assertTrue(ids.length >= 3, "segments " + ids.length);
        final long damaged = TestWals.flipInFrame(root, 1, 5).entryId();

        final TestWals.Run strict = cli("dump", root.toString());
        assertEquals(ExitCodes.CORRUPT, strict.exit());
        assertEquals(damaged - 1, strict.lines().size());

        final TestWals.Run r = cli("dump", root.toString(), "--skip-damage");
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.out());
        final List<String> lines = r.lines();
        final int label = (int)(damaged - 1);
        assertTrue(lines.get(label).startsWith("-- LOST wal/wal-1.seg bytes ["), lines.get(label));
        assertTrue(lines.get(label).contains("entry " + damaged + " lost: "), lines.get(label));
        assertTrue(lines.get(label + 1).startsWith((damaged + 1) + "  "), "resynchronised at the next entry: " + lines.get(label + 1));
        assertEquals(250 + 1 - 1, lines.size(), "every entry but the damaged one, and one label");
        assertTrue(lines.get(lines.size() - 1).startsWith("250  "), "the entries after the damage are printed");
        assertTrue(r.err().contains("--skip-damage printed 249 entries (1 entry lost in 1 place)") &&
            r.err().contains("may never have been acknowledged"), r.err());

        final TestWals.Run json = cli("dump", root.toString(), "--skip-damage", "--format", "json");
        assertTrue(json.lines().get(label).startsWith("{\"skip-damage\":\"LOST wal/wal-1.seg bytes ["), json.lines().get(label));

        // On an intact WAL it is an ordinary dump.
        TestWals.writeEntries(clean, 30);
        final TestWals.Run plain = cli("dump", clean.toString(), "--skip-damage");
        assertEquals(ExitCodes.OK, plain.exit(), plain.err());
        assertEquals(cli("dump", clean.toString()).out(), plain.out());
    }
}
