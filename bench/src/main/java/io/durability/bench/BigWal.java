package io.durability.bench;

import io.durability.walog.WalLayout;
import io.durability.codec.DirectBufferCodec;
import io.durability.storage.Directory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;

/** Writes a WAL of a given size for the replay and resume benchmarks. */
final class BigWal
{
    private BigWal()
    {
    }

    /** Entries of {@code payload} bytes that make about {@code bytes} of frames. */
    static long entries(final long bytes, final int payload)
    {
        return bytes / WalLayout.frameLength(payload);
    }

    /**
     * Append {@link #entries} entries with the default 64 MiB segments, make them durable (twice, so the
     * final segment records a durable watermark, as a running service's would) and close.
     *
     * @return the entries written.
     */
    static long write(final Directory directory, final long bytes, final int payload)
    {
        final long n = entries(bytes, payload);
        final DirectBuffer value = BenchPayloads.direct(payload);
        try (WalWriter<DirectBuffer> writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE, WalOptions.defaults()))
        {
            for (long i = 0; i < n; i++)
            {
                writer.append(value);
            }
            writer.flushAndSync();
            writer.append(value);
            writer.flushAndSync();
        }
        return n + 1;
    }
}
