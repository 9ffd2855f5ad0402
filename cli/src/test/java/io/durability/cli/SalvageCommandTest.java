package io.durability.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class SalvageCommandTest
{
    @TempDir
    Path root;

    @TempDir
    Path into;

    /** The dump's entries without their ids: "AddSegment[...]" per line. */
    private static List<String> payloads(final List<String> dumpLines)
    {
        final List<String> out = new ArrayList<>();
        for (final String line : dumpLines)
        {
            out.add(line.substring(line.indexOf("  ") + 2));
        }
        return out;
    }

    @Test
    void anIntactWalIsCopiedWholeUnderTheSameIdsAndCodec()
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run r = cli("salvage", root.toString(), "--into", into.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().contains("salvaged 250 entries of " + root + " into " + into + " (durable; codec id 1,"), r.out());
        assertTrue(r.out().contains("  source ids 1..250 -> new ids 1..250"), r.out());
        assertFalse(r.out().contains("lost:"), r.out());
        assertEquals(ExitCodes.OK, cli("verify", into.toString()).exit());
        assertEquals(cli("dump", root.toString()).out(), cli("dump", into.toString()).out(),
            "the same entries, decoded by the codec the copy records");
    }

    @Test
    void aFlippedByteLosesOneEntryTheRestIsCopiedRenumberedAndTheSourceIsUntouched()
    {
        TestWals.writeEntries(root, 250);
        final long damaged = TestWals.flipInFrame(root, 2, 7).entryId();
        final List<String> before = payloads(cli("dump", root.toString(), "--skip-damage").lines().stream()
            .filter(l -> !l.startsWith("--")).toList());
        final Map<String, String> source = TestWals.snapshot(root);

        final TestWals.Run r = cli("salvage", root.toString(), "--into", into.toString());
        assertEquals(ExitCodes.CORRUPT, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("lost: wal/wal-2.seg bytes ["), r.out());
        assertTrue(r.out().contains("entry " + damaged + " lost: "), r.out());
        assertTrue(r.out().contains("salvaged 249 entries"), r.out());
        assertTrue(r.out().contains("  source ids 1.." + (damaged - 1) + " -> new ids 1.." + (damaged - 1)), r.out());
        assertTrue(r.out().contains("  source ids " + (damaged + 1) + "..250 -> new ids " + damaged + "..249"), r.out());
        assertTrue(r.err().contains("1 entry lost in 1 place"), r.err());

        assertEquals(source, TestWals.snapshot(root), "the source is never changed");
        final TestWals.Run verify = cli("verify", into.toString());
        assertEquals(ExitCodes.OK, verify.exit(), verify.out() + verify.err());
        final TestWals.Run copy = cli("dump", into.toString());
        assertEquals(ExitCodes.OK, copy.exit(), copy.err());
        assertEquals(249, copy.lines().size());
        assertEquals(before, payloads(copy.lines()), "every entry that could be read, in order, payloads as they were");
    }

    @Test
    void refusesANonEmptyTargetAndDirItself() throws IOException
    {
        TestWals.writeEntries(root, 20);
        Files.writeString(into.resolve("keep.txt"), "mine");
        final TestWals.Run r = cli("salvage", root.toString(), "--into", into.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("is not empty: salvage writes only into an empty folder"), r.err());
        assertEquals(List.of("keep.txt"), new ArrayList<>(TestWals.snapshot(into).keySet()), "nothing written");
        final TestWals.Run self = cli("salvage", root.toString(), "--into", root.toString());
        assertEquals(ExitCodes.USAGE, self.exit());
        assertTrue(self.err().contains("--into is DIR itself"), self.err());
        final TestWals.Run inside = cli("salvage", root.toString(), "--into", root.resolve("copy").toString());
        assertEquals(ExitCodes.USAGE, inside.exit());
        assertTrue(inside.err().contains("is inside DIR"), inside.err());
        assertFalse(Files.exists(root.resolve("copy")), "nothing created in DIR");
    }
}
