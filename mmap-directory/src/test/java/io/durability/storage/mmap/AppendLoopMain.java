package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Path;

/**
 * Child process for {@link MmapProcessTest}: appends {@link MmapProcessTest#payload(long)} entries to a
 * new WAL in {@code args[0]} with segments of {@code args[1]} bytes, forever, printing
 * {@code appended <id>} every {@code args[2]} entries, until it is killed.
 */
public final class AppendLoopMain
{
    private AppendLoopMain()
    {
    }

    public static void main(final String[] args)
    {
        final int every = Integer.parseInt(args[2]);
        final MmapDirectory dir = MmapDirectory.open(Path.of(args[0]));
        final WalWriter<byte[]> w = WalWriter.create(
            dir, BytesCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[1])));
        for (long id = 1; ; id++)
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
