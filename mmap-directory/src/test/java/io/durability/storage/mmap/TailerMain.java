package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.walog.FrameHandler;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalOptions;
import io.durability.walog.WalTailer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Child process for {@link TailerProcessTest}: tails the WAL in {@code args[0]} from its first entry
 * (waiting for it to be created), checks that entries arrive as exactly {@code 1, 2, 3, ...} with the
 * bytes of {@link MmapProcessTest#payload(long)}, and exits: {@code tailed <n>} and status 0 once it
 * received entry {@code args[1]}; {@code error ...} and status 1 on any error; {@code timeout at <id>}
 * and status 2 after {@code args[2]} seconds. {@code args[3]} (optional) is {@code durable} for a tailer of
 * durable entries only (read from the segment headers' watermarks), {@code visible} by default.
 */
public final class TailerMain
{
    private TailerMain()
    {
    }

    public static void main(final String[] args)
    {
        final long last = Long.parseLong(args[1]);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[2]));
        final long[] next = {1};
        final FrameHandler check = (id, buffer, offset, length) ->
        {
            if (id != next[0])
            {
                throw new IllegalStateException("entry " + id + " delivered, expected " + next[0]);
            }
            final byte[] got = new byte[length];
            buffer.getBytes(offset, got);
            if (!Arrays.equals(MmapProcessTest.payload(id), got))
            {
                throw new IllegalStateException("payload of entry " + id + " differs");
            }
            next[0]++;
        };
        int status;
        try (MmapDirectory dir = MmapDirectory.open(Path.of(args[0]));
            WalTailer<byte[]> tailer = WalTailer.open(dir, BytesCodec.INSTANCE, WalOptions.defaults(), ReplayMode.STRICT,
                args.length > 3 && "durable".equals(args[3]) ? WalTailer.Delivery.DURABLE : WalTailer.Delivery.VISIBLE,
                WalTailer.FIRST))
        {
            System.out.println("started");
            System.out.flush();
            while (next[0] <= last && System.nanoTime() < deadline)
            {
                if (tailer.pollFrames(check, 256) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            if (next[0] > last)
            {
                System.out.println("tailed " + (next[0] - 1));
                status = 0;
            }
            else
            {
                System.out.println("timeout at " + next[0]);
                status = 2;
            }
        }
        catch (final RuntimeException ex)
        {
            System.out.println("error " + ex);
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }
}
