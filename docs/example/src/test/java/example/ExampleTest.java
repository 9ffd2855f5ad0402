package example;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A user's first test: the README's snippets are in this project's pom as pasted, and they are enough. */
class ExampleTest
{
    @TempDir
    Path folder;

    @Test
    void theReadmeSnippetsArePastedHereVerbatim() throws IOException
    {
        final String readme = Files.readString(Path.of("..", "..", "README.md"));
        final String pom = Files.readString(Path.of("pom.xml"));
        final List<String> blocks = xmlBlocks(readme);
        assertTrue(blocks.size() >= 2, "the README's Maven snippets: " + blocks.size());
        final List<String> pomLines = List.of(pom.split("\n", -1));
        for (final String block : blocks.subList(0, 2))
        {
            // Every line of the snippet, as pasted, in order (the project adds its own lines between them,
            // such as its test dependency before </dependencies>).
            int at = 0;
            for (final String line : block.split("\n"))
            {
                while (at < pomLines.size() && !pomLines.get(at).equals(line))
                {
                    at++;
                }
                assertTrue(at < pomLines.size(), "docs/example/pom.xml lacks, after the lines before it, the README's line\n" +
                    line + "\nof the snippet\n" + block);
                at++;
            }
        }
    }

    @Test
    void aWalOnDiskWritesAndReadsWithWhatTheSnippetsBring()
    {
        try (MmapDirectory dir = MmapDirectory.open(folder))
        {
            try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
            {
                w.append(new WalEntry.AddSegment(1, 100));
                w.flushAndSync();
            }
            assertEquals(List.of(new WalEntry.AddSegment(1, 100)),
                new WalReader<>(dir, WalEntryCodec.INSTANCE).replay().stream().map(r -> r.payload()).toList());
        }
    }

    private static List<String> xmlBlocks(final String markdown)
    {
        final List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (final String line : markdown.split("\n", -1))
        {
            if (current == null && line.equals("```xml"))
            {
                current = new StringBuilder();
            }
            else if (current != null && line.equals("```"))
            {
                blocks.add(current.toString());
                current = null;
            }
            else if (current != null)
            {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }
}
