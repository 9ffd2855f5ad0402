package io.durability.cli;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

class TailersCommandTest
{
    @TempDir
    Path root;

    private void consume(final String name, final int entries)
    {
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalTailer<?> t = WalTailer.builder(dir, WalEntryCodec.INSTANCE).options(TestWals.options()).named(name).open())
        {
            t.poll((id, e) -> { }, entries);
            t.commit();
        }
    }

    @Test
    void listsEachNamedTailerWithItsNextEntryAndLag() throws Exception
    {
        TestWals.writeEntries(root, 250);
        final TestWals.Run none = cli("tailers", root.toString());
        assertEquals(ExitCodes.OK, none.exit(), none.err());
        assertTrue(none.out().startsWith("no named tailer has committed a position"), none.out());

        consume("indexer", 100);
        consume("audit", 250);
        final TestWals.Run r = cli("tailers", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(3, r.lines().size(), r.out());
        assertTrue(r.lines().get(1).matches("audit +251 +0"), r.lines().get(1));
        assertTrue(r.lines().get(2).matches("indexer +101 +150"), r.lines().get(2));
        consume("indexer", 10);
        assertTrue(cli("tailers", root.toString()).lines().get(2).matches("indexer +111 +140"), "resumed and committed");

        final Path position = root.resolve("wal.tailers").resolve("indexer.pos");
        final byte[] bytes = Files.readAllBytes(position);
        bytes[9] ^= 1;
        Files.write(position, bytes);
        final TestWals.Run damaged = cli("tailers", root.toString());
        assertEquals(ExitCodes.CORRUPT, damaged.exit());
        assertTrue(damaged.err().contains("tailer position file damaged") && damaged.err().contains("indexer.pos"),
            damaged.err());
    }
}
