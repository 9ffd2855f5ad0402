package io.durability.docs;

import io.durability.publish.CheckpointPublisher;
import io.durability.publish.PublishResult;
import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
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

/** The README's checkpoint + recoverLatest example, compiled, run, and checked against the README. */
class ReadmeCheckpointTest
{
    private static final String BEGIN = "// README:checkpoint:begin";
    private static final String END = "// README:checkpoint:end";

    @Test
    void checkpointExampleRunsAsDocumented()
    {
        final Directory dir = new MemoryDirectory();
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            // README:checkpoint:begin
            try (WalWriter<WalEntry> wal = WalWriter.resume(dir, WalEntryCodec.INSTANCE))
            {
                wal.append(new WalEntry.AddSegment(1, 100));
                wal.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 42))));

                // 1) checkpoint durable, 2) marker appended and durable, 3) covered segments deleted.
                SegmentIndexState state = new RecoveryManager(dir).recoverLatest().state();
                PublishResult published = CheckpointPublisher.forSegmentIndex(dir, wal).publish(state, wal.lastEntryId());
                System.out.println("checkpoint " + published.checkpointPath() + " marker " + published.markerEntryId());

                wal.append(new WalEntry.AddSegment(2, 7));   // after the checkpoint: replayed on recovery
            }

            // After a restart: the newest checkpoint named by a marker, plus the WAL after it.
            Recovered<SegmentIndexState> recovered = new RecoveryManager(dir).recoverLatest();
            System.out.println("from " + recovered.checkpointPath() + " + " + recovered.replayed() + " entries");
            System.out.println("state " + recovered.state().segments() + " through entry " + recovered.lastEntryId());
            // README:checkpoint:end
        }
        finally
        {
            System.setOut(original);
        }
        final List<String> out = captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        assertEquals(List.of(
            "checkpoint checkpoints/checkpoint-00000000000000000002.chk marker 3",
            "from checkpoints/checkpoint-00000000000000000002.chk + 2 entries",
            "state [Segment[segmentId=1, docCount=100, deletedDocs=[42]], Segment[segmentId=2, docCount=7, deletedDocs=[]]]" +
                " through entry 4"), out);
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        ReadmeSnippets.assertReadmeShows(
            Path.of("src/test/java/io/durability/docs/ReadmeCheckpointTest.java"), BEGIN, END);
    }
}
