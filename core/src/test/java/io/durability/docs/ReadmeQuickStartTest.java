package io.durability.docs;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's quick start, compiled and run; the test also checks that the README shows exactly
 * this code, so the two cannot drift apart.
 */
class ReadmeQuickStartTest
{
    private static final String BEGIN = "// README:quickstart:begin";
    private static final String END = "// README:quickstart:end";

    @Test
    void quickStartRunsAsDocumented()
    {
        final List<String> out = new ArrayList<>();
        // README:quickstart:begin
        Directory dir = new MemoryDirectory();

        // Write: ids are assigned by the writer and stored in the frame header.
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 100));
            w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 42))));
            w.flush();                       // visibility (a fence); flushAndSync() is durability
            out.add("last id " + w.lastEntryId());
        }

        // Continue an existing WAL (create() refuses to overwrite one): a batch, then close.
        try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE))
        {
            long[] ids = w.appendBatch(List.of(
                new WalEntry.AddSegment(3, 50),
                new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 10)))));
            out.add("batch ids " + ids[0] + ".." + ids[1]);
        }

        // Recover: strict replay into a list...
        List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE).replay();
        out.add(records.size() + " records, first id " + records.get(0).entryId());

        // ...or stream a large WAL without collecting it.
        new WalReader<>(dir, WalEntryCodec.INSTANCE).replayEach((id, entry) -> out.add(id + ": " + entry));
        // README:quickstart:end

        assertEquals(List.of(
            "last id 2",
            "batch ids 3..4",
            "4 records, first id 1",
            "1: AddSegment[segmentId=1, docCount=100]",
            "2: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=42]]]",
            "3: AddSegment[segmentId=3, docCount=50]",
            "4: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=10]]]"), out);
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        final String source = Files.readString(
            Path.of("src/test/java/io/durability/docs/ReadmeQuickStartTest.java"), StandardCharsets.UTF_8);
        final String snippet = dedent(source.substring(source.indexOf(BEGIN) + BEGIN.length(), source.indexOf(END)));
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + snippet + "```"),
            "README.md must contain this java block verbatim:\n```java\n" + snippet + "```");
    }

    static String dedent(final String block)
    {
        final String[] lines = block.split("\n", -1);
        int indent = Integer.MAX_VALUE;
        for (final String line : lines)
        {
            if (!line.isBlank())
            {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (final String line : lines)
        {
            if (line.isBlank())
            {
                sb.append('\n');
            }
            else
            {
                sb.append(line.substring(indent)).append('\n');
            }
        }
        return sb.toString().strip() + "\n";
    }
}
