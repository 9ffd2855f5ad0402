package io.durability.docs;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

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
    void quickStartRunsAsDocumented() throws IOException
    {
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            // README:quickstart:begin
            Directory dir = new MemoryDirectory();

            // Write: ids are assigned by the writer and stored in the frame header.
            try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
            {
                w.append(new WalEntry.AddSegment(1, 100));
                w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 42))));
                w.flush();                       // visibility (a fence); flushAndSync() is durability
                System.out.println("last id " + w.lastEntryId());
            }

            // Continue an existing WAL (create() refuses to overwrite one): a batch, then close.
            try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE))
            {
                long[] ids = w.appendBatch(List.of(
                    new WalEntry.AddSegment(3, 50),
                    new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 10)))));
                System.out.println("batch ids " + ids[0] + ".." + ids[1]);
            }

            // Recover: strict replay into a list...
            List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE).replay();
            System.out.println(records.size() + " records, first id " + records.get(0).entryId());

            // ...or stream a large WAL without collecting it.
            new WalReader<>(dir, WalEntryCodec.INSTANCE).replayEach((id, entry) -> System.out.println(id + ": " + entry));
            // README:quickstart:end
        }
        finally
        {
            System.setOut(original);
        }
        final List<String> out = captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());

        final List<String> expected = List.of(
            "last id 2",
            "batch ids 3..4",
            "4 records, first id 1",
            "1: AddSegment[segmentId=1, docCount=100]",
            "2: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=42]]]",
            "3: AddSegment[segmentId=3, docCount=50]",
            "4: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=10]]]");
        assertEquals(expected, out);
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("It prints:\n\n```\n" + String.join("\n", expected) + "\n```"),
            "README.md must show what the quick start prints");
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        ReadmeSnippets.assertReadmeShows(
            Path.of("src/test/java/io/durability/docs/ReadmeQuickStartTest.java"), BEGIN, END);
    }
}
