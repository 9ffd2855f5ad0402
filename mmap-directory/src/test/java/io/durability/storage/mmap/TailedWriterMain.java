package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Path;

/**
 * Child process for {@link TailerProcessTest}: {@code args[3]} is {@code create} (a new WAL) or
 * {@code resume} (continue, repairing a torn tail); then appends {@link MmapProcessTest#payload(long)}
 * for each next id to the WAL in {@code args[0]} (segments of {@code args[1]} bytes), forever,
 * printing {@code appended <id>} every {@code args[2]} entries, until it is killed or halts at a crash
 * point.
 */
public final class TailedWriterMain
{
    private TailedWriterMain()
    {
    }

    public static void main(final String[] args)
    {
        final int every = Integer.parseInt(args[2]);
        final MmapDirectory dir = MmapDirectory.open(Path.of(args[0]));
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[1]));
        final WalWriter<byte[]> w = "resume".equals(args[3]) ?
            WalWriter.resume(dir, BytesCodec.INSTANCE, options) : WalWriter.create(dir, BytesCodec.INSTANCE, options);
        System.out.println("from " + w.nextEntryId() + " " + w.repairReport().describe());
        System.out.flush();
        for (long id = w.nextEntryId(); ; id++)
        {
            w.append(MmapProcessTest.payload(id));
            if (id % every == 0)
            {
                System.out.println("appended " + id);
                System.out.flush();
            }
        }
    }
}
