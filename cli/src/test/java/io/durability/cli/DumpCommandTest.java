package io.durability.cli;

import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class DumpCommandTest
{
    /** The shape of every JSON line dump writes for a WalEntry: an object with the id first. */
    private static final Pattern JSON_ENTRY = Pattern.compile("\\{\"id\":\\d+,\"entry\":\"[A-Za-z]+\"(,\"[A-Za-z]+\":.+)*}");

    @TempDir
    Path root;

    @Test
    void textDumpShowsEveryEntryWithItsIdAcrossSegments()
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run r = cli("dump", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final List<String> lines = r.lines();
        assertEquals(250, lines.size());
        assertEquals("1  AddSegment[segmentId=1, docCount=1]", lines.get(0));
        assertEquals("10  DeleteDocuments[deletes=[DocRef[segmentId=9, docId=3]]]", lines.get(9));
        for (int i = 0; i < lines.size(); i++)
        {
            assertEquals("" + (i + 1), lines.get(i).substring(0, lines.get(i).indexOf(' ')));
        }
        assertEquals("", r.err());
    }

    @Test
    void fromAndToSelectAnInclusiveRange()
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run r = cli("dump", root.toString(), "--from", "95", "--to", "105");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final List<String> lines = r.lines();
        assertEquals(11, lines.size());
        assertTrue(lines.get(0).startsWith("95  "), lines.get(0));
        assertTrue(lines.get(10).startsWith("105  "), lines.get(10));
    }

    @Test
    void theScanStopsAtTheFirstIdPastTo()
    {
        TestWals.writeEntries(root, 250);
        // Damage far past --to: a dump that read on would fail with exit 4.
        TestWals.flipInFrame(root, 2, 5);
        assertEquals(ExitCodes.CORRUPT, cli("dump", root.toString()).exit());
        final TestWals.Run r = cli("dump", root.toString(), "--to", "20");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(20, r.lines().size());
    }

    @Test
    void fromAfterToIsBadUsage()
    {
        TestWals.writeEntries(root, 5);
        final TestWals.Run r = cli("dump", root.toString(), "--from", "5", "--to", "4");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals("durability: --from 5 is after --to 4", r.err().strip());
    }

    @Test
    void jsonLinesHaveOneObjectPerEntry()
    {
        TestWals.writeEntries(root, 30);
        final TestWals.Run r = cli("dump", root.toString(), "--format", "json");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final List<String> lines = r.lines();
        assertEquals(30, lines.size());
        for (final String line : lines)
        {
            assertTrue(JSON_ENTRY.matcher(line).matches(), line);
        }
        assertEquals("{\"id\":1,\"entry\":\"AddSegment\",\"segmentId\":1,\"docCount\":1}", lines.get(0));
        assertEquals("{\"id\":10,\"entry\":\"DeleteDocuments\",\"deletes\":[{\"segmentId\":9,\"docId\":3}]}", lines.get(9));
    }

    @Test
    void jsonEscapesStrings()
    {
        TestWals.withWriter(root, WalEntryCodec.INSTANCE, w ->
        {
            w.append(new WalEntry.Checkpoint("checkpoints/we\"ird\\name\n\u0001\u00e9.chk", 7));
            w.append(new WalEntry.EndMerge(3, 9, List.of(1L, 2L), List.of(new WalEntry.DocRef(1, 4))));
        });
        final TestWals.Run r = cli("dump", root.toString(), "--format", "json");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(List.of(
            "{\"id\":1,\"entry\":\"Checkpoint\",\"checkpointPath\":\"checkpoints/we\\\"ird\\\\name\\n\\u0001\u00e9.chk\"," +
                "\"lastEntryId\":7}",
            "{\"id\":2,\"entry\":\"EndMerge\",\"transactionId\":3,\"newSegmentId\":9,\"oldSegmentIds\":[1,2]," +
                "\"remappedDeletes\":[{\"segmentId\":1,\"docId\":4}]}"), r.lines());
    }

    @Test
    void rawCodecShowsHex()
    {
        TestWals.writeRaw(root, 3);
        final TestWals.Run text = cli("dump", root.toString(), "--codec", "raw");
        assertEquals(ExitCodes.OK, text.exit(), text.err());
        assertEquals(List.of("1  7 bytes  656e7472792d31  |entry-1|", "2  7 bytes  656e7472792d32  |entry-2|", "3  7 bytes  656e7472792d33  |entry-3|"),
            text.lines());
        final TestWals.Run json = cli("dump", root.toString(), "--codec", "raw", "--format", "json", "--from", "2");
        assertEquals(List.of("{\"id\":2,\"length\":7,\"hex\":\"656e7472792d32\"}", "{\"id\":3,\"length\":7,\"hex\":\"656e7472792d33\"}"),
            json.lines());
    }

    @Test
    void undecodableEntriesAreShownAsHexWithANote()
    {
        TestWals.writeRaw(root, 2);
        // A raw WAL records no codec: auto shows hex, an explicit walentry tries and says what failed.
        final TestWals.Run r = cli("dump", root.toString(), "--codec", "walentry");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(2, r.lines().size());
        assertTrue(r.lines().get(0).startsWith("1  UNDECODABLE (DECODE: "), r.out());
        assertTrue(r.lines().get(0).endsWith("7 bytes  656e7472792d31  |entry-1|"), r.out());
        assertTrue(r.err().contains("2 entries did not decode as WalEntry"), r.err());
        final TestWals.Run json = cli("dump", root.toString(), "--format", "json", "--to", "1", "--codec", "walentry");
        assertTrue(json.out().startsWith("{\"id\":1,\"length\":7,\"hex\":\"656e7472792d31\",\"error\":\"DECODE: "), json.out());
    }

    @Test
    void tornTailPrintsTheValidEntriesThenExitsThree()
    {
        TestWals.writeEntries(root, 250);
        final long kept = TestWals.tearLastFrame(root).entryId() - 1;
        final TestWals.Run r = cli("dump", root.toString());
        assertEquals(ExitCodes.TORN_TAIL, r.exit());
        assertEquals(kept, r.lines().size());
        assertTrue(r.err().startsWith("durability: stopped after " + kept + " entries printed: torn tail"), r.err());
        assertTrue(r.err().contains("file=wal/wal-3.seg"), r.err());
    }

    @Test
    void unknownFormatIsBadUsageInOneLine()
    {
        TestWals.writeEntries(root, 5);
        final TestWals.Run r = cli("dump", root.toString(), "--format", "xml");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--format"), r.err());
    }

    private static List<String> awaitLines(final java.io.StringWriter out, final int n) throws InterruptedException
    {
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        List<String> lines = out.toString().lines().collect(java.util.stream.Collectors.toList());
        while (lines.size() < n && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
            lines = out.toString().lines().collect(java.util.stream.Collectors.toList());
        }
        return lines;
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 90, unit = java.util.concurrent.TimeUnit.SECONDS)
    void followSeeksToFromThenPrintsWhatAWriterAppendsAcrossRollsUntilInterrupted() throws Exception
    {
        TestWals.writeEntries(root, 50);
        final picocli.CommandLine cl = DurabilityCli.commandLine();
        final java.io.StringWriter out = new java.io.StringWriter();
        final java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        final int[] exit = {-1};
        final Thread dump = new Thread(() -> exit[0] = cl.execute("dump", root.toString(), "--follow", "--from", "41"),
            "dump-follow");
        dump.start();
        try
        {
            assertEquals(10, awaitLines(out, 10).size(), "entries 41..50 before any new one; stderr: " + err);
            try (io.durability.storage.mmap.MmapDirectory dir = io.durability.storage.mmap.MmapDirectory.open(root);
                io.durability.walog.WalWriter<WalEntry> w = io.durability.walog.WalWriter.resume(
                    dir, WalEntryCodec.INSTANCE, TestWals.options()))
            {
                for (long id = 51; id <= 400; id++)
                {
                    w.append(TestWals.entry(id));
                }
                assertTrue(w.currentSegmentId() > 3, "the writer rolled");
                assertEquals(360, awaitLines(out, 360).size(), "stderr: " + err);
            }
        }
        finally
        {
            dump.interrupt();
            dump.join(30_000);
        }
        assertFalse(dump.isAlive(), "dump --follow did not stop when interrupted");
        assertEquals(ExitCodes.OK, exit[0], err.toString());
        final List<String> lines = out.toString().lines().collect(java.util.stream.Collectors.toList());
        assertEquals(360, lines.size());
        for (int i = 0; i < lines.size(); i++)
        {
            final long id = 41 + i;
            assertEquals(id + "  " + TestWals.entry(id), lines.get(i));
        }
    }

    @Test
    void followTakesNoToAndAFromPastTheEndIsNotFound()
    {
        TestWals.writeEntries(root, 5);
        assertEquals(ExitCodes.USAGE, cli("dump", root.toString(), "--follow", "--to", "3").exit());
        final TestWals.Run r = cli("dump", root.toString(), "--follow", "--from", "9");
        assertEquals(ExitCodes.NOT_FOUND, r.exit(), r.err());
        assertTrue(r.err().contains("entry 9 is not in the WAL"), r.err());
    }
}
