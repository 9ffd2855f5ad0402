package io.durability.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class DemoCommandTest
{
    @TempDir
    Path root;

    @Test
    void printsOneLinePerPhaseAndNoProgressWhenPiped()
    {
        final TestWals.Run r = cli("demo", root.toString(), "--entries", "3000", "--segment-mib", "1", "--sync-every", "1000");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final List<String> lines = r.lines();
        assertEquals(6, lines.size(), r.out());
        assertEquals("durability demo: 3,000 entries into " + root, lines.get(0));
        assertTrue(lines.get(1).matches("append   3,000 entries, [0-9.]+ KiB, [0-9,]+ appends/s, [0-9.]+ ns/append, 1 segment"),
            lines.get(1));
        assertTrue(lines.get(2).matches("sync     3 flushAndSync, [0-9.]+ us average, [0-9.]+ us max"), lines.get(2));
        assertTrue(lines.get(3).startsWith("publish  checkpoints/checkpoint-00000000000000003000.chk through entry 3,000, " +
            "marker entry 3,001, 0 of 1 segments truncated"), lines.get(3));
        assertTrue(lines.get(4).matches("recover  [0-9.]+ ms: checkpoint \\+ 1 entry replayed, last entry 3,001, 1 WAL segment, " +
            "2,700 index segments in the state"), lines.get(4));
        assertEquals("kept " + root + ": try 'durability inspect " + root + "'", lines.get(5));
        assertEquals("", r.err(), "no progress bar without a terminal");
        assertEquals(ExitCodes.OK, cli("verify", root.toString()).exit());
    }

    @Test
    void temporaryFolderIsDeletedUnlessKept() throws Exception
    {
        final TestWals.Run r = cli("demo", "--entries", "100", "--segment-mib", "1");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        final String first = r.lines().get(0);
        final Path used = Path.of(first.substring(first.indexOf(" into ") + 6));
        assertFalse(Files.exists(used), used + " should be deleted");
    }
}
