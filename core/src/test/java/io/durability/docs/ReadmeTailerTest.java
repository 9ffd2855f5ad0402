package io.durability.docs;

import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalTailer;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The README's "follow a writer" example, compiled, run, and checked against the README. */
class ReadmeTailerTest
{
    private static final String BEGIN = "// README:tailer:begin";
    private static final String END = "// README:tailer:end";

    @Test
    void tailerExampleRunsAsDocumented()
    {
        final Directory dir = new MemoryDirectory();
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            // README:tailer:begin
            try (WalWriter<WalEntry> wal = WalWriter.create(dir, WalEntryCodec.INSTANCE);
                WalTailer<WalEntry> visible = WalTailer.open(dir, WalEntryCodec.INSTANCE);
                WalTailer<WalEntry> durable = WalTailer.open(dir, WalEntryCodec.INSTANCE, WalOptions.defaults(),
                    ReplayMode.STRICT, WalTailer.Delivery.DURABLE, WalTailer.FIRST))
            {
                wal.append(new WalEntry.AddSegment(1, 100));
                wal.append(new WalEntry.AddSegment(2, 50));

                // Visible: delivered as soon as append returned (a power cut could still take it back).
                int n = visible.poll((id, entry) -> System.out.println("visible " + id + ": " + entry), 100);
                // Durable only: nothing until a segment header's watermark covers it.
                int m = durable.poll((id, entry) -> System.out.println("durable " + id), 100);
                System.out.println(n + " visible, " + m + " durable");

                wal.flush();   // on disk: flushAndSync() then syncWatermark() (or the next barriers)
                durable.poll((id, entry) -> System.out.println("durable " + id), 100);
            }
            // README:tailer:end
        }
        finally
        {
            System.setOut(original);
        }
        final List<String> out = captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        assertEquals(List.of(
            "visible 1: AddSegment[segmentId=1, docCount=100]",
            "visible 2: AddSegment[segmentId=2, docCount=50]",
            "2 visible, 0 durable",
            "durable 1",
            "durable 2"), out);
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        ReadmeSnippets.assertReadmeShows(Path.of("src/test/java/io/durability/docs/ReadmeTailerTest.java"), BEGIN, END);
    }
}
