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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        final List<String> out = new ArrayList<>();
        // README:checkpoint:begin
        try (WalWriter<WalEntry> wal = WalWriter.resume(dir, WalEntryCodec.INSTANCE))
        {
            wal.append(new WalEntry.AddSegment(1, 100));
            wal.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 42))));

            // 1) checkpoint durable, 2) marker appended and durable, 3) covered segments deleted.
            SegmentIndexState state = new RecoveryManager(dir).recoverLatest().state();
            PublishResult published = CheckpointPublisher.forSegmentIndex(dir, wal).publish(state, wal.lastEntryId());
            out.add("checkpoint " + published.checkpointPath() + " marker " + published.markerEntryId());

            wal.append(new WalEntry.AddSegment(2, 7));   // after the checkpoint: replayed on recovery
        }

        // After a restart: the newest checkpoint named by a marker, plus the WAL after it.
        Recovered<SegmentIndexState> recovered = new RecoveryManager(dir).recoverLatest();
        out.add("from " + recovered.checkpointPath() + " + " + recovered.replayed() + " entries");
        out.add("state " + recovered.state().segments() + " through entry " + recovered.lastEntryId());
        // README:checkpoint:end
        assertEquals(List.of(
            "checkpoint checkpoints/checkpoint-00000000000000000002.chk marker 3",
            "from checkpoints/checkpoint-00000000000000000002.chk + 2 entries",
            "state [Segment[segmentId=1, docCount=100, deletedDocs=[42]], Segment[segmentId=2, docCount=7, deletedDocs=[]]]" +
                " through entry 4"), out);
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        final String source = Files.readString(
            Path.of("src/test/java/io/durability/docs/ReadmeCheckpointTest.java"), StandardCharsets.UTF_8);
        final String snippet = ReadmeQuickStartTest.dedent(
            source.substring(source.indexOf(BEGIN) + BEGIN.length(), source.indexOf(END)));
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + snippet + "```"),
            "README.md must contain this java block verbatim:\n```java\n" + snippet + "```");
    }
}
