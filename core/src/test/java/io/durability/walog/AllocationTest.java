package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot path allocates nothing: measured as bytes allocated by this thread (not time), after
 * warm-up, over many operations.
 */
public class AllocationTest
{
    /** A flyweight entry: the codec copies its bytes into the frame, allocating nothing. */
    public static final class Payload
    {
        final UnsafeBuffer bytes;

        Payload(final int length)
        {
            bytes = new UnsafeBuffer(new byte[length]);
        }
    }

    /** Non-allocating codec for {@link Payload}. */
    public static final class PayloadCodec implements Codec<Payload>
    {
        @Override
        public int encode(final Payload value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            final int n = value.bytes.capacity();
            if (n > maxLength)
            {
                return DOES_NOT_FIT;
            }
            buffer.putBytes(offset, value.bytes, 0, n);
            return n;
        }

        @Override
        public Payload decode(final DirectBuffer buffer, final int offset, final int length)
        {
            final Payload p = new Payload(length);
            buffer.getBytes(offset, p.bytes, 0, length);
            return p;
        }
    }

    /** @return a directory for the measurement; subclasses measure other backends. */
    protected Directory newDirectory()
    {
        return new MemoryDirectory();
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private static long allocatedBytes()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    @Test
    void appendsAndClaimsAllocateNothingAfterWarmUp()
    {
        final int n = 100_000;
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024 * 1024);
        try (Directory dir = newDirectory();
            WalWriter<Payload> w = WalWriter.create(dir, new PayloadCodec(), options))
        {
            final Payload p = new Payload(64);
            for (int i = 0; i < 20_000; i++)
            {
                p.bytes.putInt(0, i);
                w.append(p);
                final WalClaim c = w.claim(64);
                c.buffer().putInt(c.offset(), i);
                c.commit();
            }
            // Several rounds, the least kept: a JIT deoptimisation can allocate once while the loop settles.
            long appendBytes = Long.MAX_VALUE;
            long claimBytes = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++)
            {
                final long before = allocatedBytes();
                for (int i = 0; i < n; i++)
                {
                    p.bytes.putInt(0, i);
                    w.append(p);
                }
                final long afterAppends = allocatedBytes();
                for (int i = 0; i < n; i++)
                {
                    final WalClaim c = w.claim(64);
                    c.buffer().putInt(c.offset(), i);
                    c.commit();
                }
                final long afterClaims = allocatedBytes();
                appendBytes = Math.min(appendBytes, afterAppends - before);
                claimBytes = Math.min(claimBytes, afterClaims - afterAppends);
            }
            assertEquals(1, w.currentSegmentId(), "no roll inside the measured loops");
            assertEquals(0, appendBytes, "bytes allocated by " + n + " appends");
            assertEquals(0, claimBytes, "bytes allocated by " + n + " claim/commits");
        }
    }

    @Test
    void flyweightReplayAllocatesNothingPerRecord()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(1024 * 1024);
        try (Directory dir = newDirectory())
        {
            try (WalWriter<Payload> w = WalWriter.create(dir, new PayloadCodec(), options))
            {
                final Payload p = new Payload(64);
                for (int i = 0; i < 100_000; i++)
                {
                    w.append(p);
                }
            }
            final WalReader<Payload> reader = new WalReader<>(dir, new PayloadCodec(), options);
            final long[] sum = new long[1];
            final FrameHandler handler = (id, buffer, offset, length) -> sum[0] += length;
            reader.replayFrames(ReplayMode.STRICT, handler);
            final long before = allocatedBytes();
            final long frames = reader.replayFrames(ReplayMode.STRICT, handler);
            final long allocated = allocatedBytes() - before;
            assertEquals(100_000, frames);
            // Per segment (about 10 here) a handle and a cursor view are allocated; nothing per record.
            assertTrue(allocated < 20 * 1024, "replay of 100000 records allocated " + allocated + " bytes");
        }
    }
}
