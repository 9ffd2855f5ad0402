import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;

import java.util.List;

public class QuickStart
{
    public static void main(String[] args)
    {
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
            long first = w.appendBatch(List.of(
                new WalEntry.AddSegment(3, 50),
                new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 10)))));
            System.out.println("batch ids " + first + ".." + w.lastEntryId());
        }

        // Recover: strict replay into a list...
        List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE).replay();
        System.out.println(records.size() + " records, first id " + records.get(0).entryId());

        // ...or stream a large WAL without collecting it.
        new WalReader<>(dir, WalEntryCodec.INSTANCE).replayEach((id, entry) -> System.out.println(id + ": " + entry));
    }
}
