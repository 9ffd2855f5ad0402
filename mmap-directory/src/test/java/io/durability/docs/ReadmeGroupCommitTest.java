package io.durability.docs;

import io.durability.codec.BytesCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The README's group-commit example ("Durability without stalling the loop"), run as shown, on real files. */
class ReadmeGroupCommitTest
{
    private static final String BEGIN = "// README:group-commit:begin";
    private static final String END = "// README:group-commit:end";

    /** Stands for the service's replies: released up to the durable id the listener hears. */
    private static final class Replies
    {
        final List<Long> released = new CopyOnWriteArrayList<>();

        void release(final long upTo)
        {
            released.add(upTo);
        }
    }

    private final List<Object> replied = new CopyOnWriteArrayList<>();

    private void reply(final Object client)
    {
        replied.add(client);
    }

    @Test
    void groupCommitExampleRunsAsDocumented(@TempDir final Path path) throws Exception
    {
        final Replies replies = new Replies();
        final byte[] order = {1, 2, 3};
        final Object client = "client-1";
        final long durableSeen;
        // README:group-commit:begin
        WalOptions options = WalOptions.defaults()
            .withSyncPolicy(SyncPolicy.continuous())          // or every(Duration), everyEntries(n), everyBytes(n)
            .withDurabilityListener(lastDurableId -> replies.release(lastDurableId)); // allocation-free acks
        try (MmapDirectory dir = MmapDirectory.open(path);
             WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options))
        {
            long id = w.append(order);                        // visible now, durable soon
            w.whenDurable(id).thenRun(() -> reply(client));   // a future, completed on the syncer thread
            w.awaitDurable(id, 10, TimeUnit.MILLISECONDS);    // or block (any thread)
            long durable = w.lastDurableId();                 // or poll: one volatile load
        }                                                     // close: stops the syncer, makes everything durable
        // README:group-commit:end
        try (MmapDirectory dir = MmapDirectory.open(path))
        {
            assertEquals(1, new WalReader<>(dir, BytesCodec.INSTANCE).replay().size());
        }
        durableSeen = replies.released.get(replies.released.size() - 1);
        assertEquals(1, durableSeen, "the listener heard entry 1 durable (at the latest at close)");
        assertEquals(List.of(client), replied, "the future completed once entry 1 was durable");
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        ReadmeSnippets.assertReadmeShows(Path.of("src/test/java/io/durability/docs/ReadmeGroupCommitTest.java"), BEGIN, END);
    }
}
