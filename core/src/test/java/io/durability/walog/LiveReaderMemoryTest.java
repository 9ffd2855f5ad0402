package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.SyncRecordingDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Strict replays beside a writer that rolls every few entries, on the writer's own directory: never
 * a false error (issue 11, case 5: "bad magic" on the segment being created, or "ends without a
 * seal" on the one being rolled away from), every replay a prefix. Bounded in count and time (it
 * stops at 5 000 replays and 300 rolls, or after 40 s; at least 100 replays and 100 rolls must have run).
 */
class LiveReaderMemoryTest
{
    private static byte[] payload(final long id)
    {
        return ("m-" + id + "-" + "q".repeat((int)(id % 29))).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void memoryDirectory() throws Exception
    {
        run(new MemoryDirectory(), false);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void directoryWithStableStorageAndBarriers() throws Exception
    {
        run(new SyncRecordingDirectory(), true);
    }

    private static void run(final Directory dir, final boolean sync) throws Exception
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(1024);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong replays = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<Throwable> first = new AtomicReference<>();
        final Runnable reader = () ->
        {
            while (!stop.get())
            {
                try
                {
                    final long[] last = {0};
                    new WalReader<>(dir, BytesCodec.INSTANCE, options).replayEach(ReplayMode.STRICT, (id, e) ->
                    {
                        if (id != last[0] + 1 || !java.util.Arrays.equals(payload(id), e))
                        {
                            throw new AssertionError("entry " + id + " after " + last[0]);
                        }
                        last[0] = id;
                    });
                    replays.incrementAndGet();
                }
                catch (final DurabilityException | AssertionError ex)
                {
                    errors.incrementAndGet();
                    first.compareAndSet(null, ex);
                }
            }
        };
        final Thread r1 = new Thread(reader, "reader-1");
        final Thread r2 = new Thread(reader, "reader-2");
        long rolls;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            r1.start();
            r2.start();
            // Until enough replays ran beside the rolls (a count, not a speed: a loaded machine just takes longer,
            // within the deadline); the assertions below only ask that the readers really ran meanwhile.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while ((replays.get() < 5000 || w.currentSegmentId() < 300) && System.nanoTime() < deadline &&
                w.currentSegmentId() < 3000)
            {
                final long id = w.append(payload(w.nextEntryId()));
                if (sync && id % 50 == 0)
                {
                    w.flushAndSync();
                }
                if ((id & 3) == 0)
                {
                    Thread.yield();
                }
            }
            rolls = w.currentSegmentId() - 1;
        }
        finally
        {
            stop.set(true);
            r1.join(30_000);
            r2.join(30_000);
        }
        System.out.printf("live-readers %s: replays=%d errors=%d rolls=%d%n", dir.getClass().getSimpleName(),
            replays.get(), errors.get(), rolls);
        if (first.get() != null)
        {
            throw new AssertionError("a replay beside the writer failed", first.get());
        }
        assertEquals(0, errors.get());
        assertTrue(replays.get() >= 100, "replays beside the writer: " + replays.get());
        assertTrue(rolls >= 100, "rolls " + rolls);
    }
}
