package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Path;

/**
 * Child process for {@link LiveReaderTest}: appends {@link LiveReaderTest#payload(long)} entries
 * {@code 1..args[2]} to a new WAL in {@code args[0]} with segments of {@code args[1]} bytes (so it
 * rolls often), pausing 4 ms every 64 entries (so that its rolls spread over a few seconds); then
 * goes on appending the same way until a line arrives on its standard input (the parent's readers
 * have done enough replays beside it; at most 60 s), prints {@code done <last id>} and exits after a
 * clean close.
 */
public final class RollingWriterMain
{
    private RollingWriterMain()
    {
    }

    public static void main(final String[] args) throws InterruptedException, java.io.IOException
    {
        final long entries = Long.parseLong(args[2]);
        try (MmapDirectory dir = MmapDirectory.open(Path.of(args[0]));
            WalWriter<byte[]> w = WalWriter.create(
                dir, BytesCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[1]))))
        {
            System.out.println("started");
            System.out.flush();
            final long deadline = System.nanoTime() + 60_000_000_000L;
            for (long id = 1; ; id++)
            {
                w.append(LiveReaderTest.payload(id));
                if ((id & 63) == 0)
                {
                    Thread.sleep(4);
                    if (id >= entries && (System.in.available() > 0 || System.nanoTime() > deadline))
                    {
                        break;
                    }
                }
            }
            System.out.println("done " + w.lastEntryId());
            System.out.flush();
        }
    }
}
