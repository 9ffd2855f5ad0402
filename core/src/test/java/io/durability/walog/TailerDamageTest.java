package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One flipped bit in a sealed segment of a cleanly closed WAL: wherever strict replay names the
 * damage, every tailer kind (visible and durable, strict and best effort) names it too, with our own
 * exception, instead of going silent. A durable best-effort tailer used to stop at a frame its
 * look-ahead could not walk past (a damaged length or salt) and wait forever, indistinguishable from
 * "no new data" (29 of 400 flips).
 */
class TailerDamageTest
{
    private static final long SEED = Long.getLong("tailer.damage.seed", 0x7A11E4L);
    private static final int FLIPS = Integer.getInteger("tailer.damage.flips", 600);
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096).withSaltSeed(5);

    private static byte[] payload(final long id)
    {
        final byte[] b = new byte[150];
        for (int i = 0; i < b.length; i++)
        {
            b[i] = (byte)(id * 7 + i);
        }
        return b;
    }

    @Test
    void everyTailerKindNamesTheDamageStrictReplayNames()
    {
        final Map<String, byte[]> image;
        final long[] segments;
        try (MemoryDirectory dir = new MemoryDirectory())
        {
            try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                for (long id = 1; id <= 500; id++)
                {
                    w.append(payload(id));
                }
            }
            image = Damage.capture(dir, OPTIONS.walDir());
            segments = WalLayout.segmentIds(dir, OPTIONS.walDir());
        }
        assertTrue(segments.length >= 13, "sealed segments: " + (segments.length - 1));
        final SplittableRandom random = new SplittableRandom(SEED);
        int judged = 0;
        final List<String> silent = new ArrayList<>();
        for (int flip = 0; flip < FLIPS; flip++)
        {
            final long segment = segments[random.nextInt(segments.length - 1)];   // a sealed one
            final String path = WalLayout.segmentPath(OPTIONS.walDir(), segment);
            final int offset = random.nextInt(image.get(path).length);
            final int bit = random.nextInt(8);
            try (MemoryDirectory dir = new MemoryDirectory())
            {
                dir.createDirectories(OPTIONS.walDir());
                image.forEach(dir::atomicWrite);
                final byte[] one = Damage.read(dir, path, offset, offset + 1);
                one[0] ^= (byte)(1 << bit);
                Damage.write(dir, path, offset, one);
                final String replay = outcome(() -> new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replay(ReplayMode.STRICT).size());
                if (!replay.startsWith("error"))
                {
                    continue;   // a bit nothing reads (past the seal's padding rules, say): nothing to name
                }
                judged++;
                for (final WalTailer.Delivery delivery : WalTailer.Delivery.values())
                {
                    for (final ReplayMode mode : ReplayMode.values())
                    {
                        final String tailed = outcome(() -> tailUntilIdle(dir, delivery, mode));
                        if (!tailed.startsWith("error"))
                        {
                            silent.add(String.format("%s byte %d bit %d: replay %s; %s %s tailer: %s", path, offset, bit,
                                replay, delivery, mode, tailed));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), silent, "seed " + SEED + ": tailers that named no damage where strict replay did");
        assertTrue(judged > FLIPS / 2, "seed " + SEED + ": most flips are damage strict replay names: " + judged);
        System.out.printf("tailer damage: seed=%d flips=%d named-by-replay=%d, every tailer kind (4) named each%n",
            SEED, FLIPS, judged);
    }

    /** @return the entries delivered before the tailer went idle. */
    private static int tailUntilIdle(final MemoryDirectory dir, final WalTailer.Delivery delivery, final ReplayMode mode)
    {
        try (WalTailer<byte[]> tailer = WalTailer.open(dir, BytesCodec.INSTANCE, OPTIONS, mode, delivery, WalTailer.FIRST))
        {
            int delivered = 0;
            int idle = 0;
            while (idle < 3)
            {
                final int n = tailer.poll((id, e) -> { }, 1000);
                delivered += n;
                idle = n == 0 ? idle + 1 : 0;
            }
            return delivered;
        }
    }

    private static String outcome(final java.util.function.IntSupplier run)
    {
        try
        {
            return "delivered " + run.getAsInt();
        }
        catch (final DurabilityException ex)
        {
            return "error " + ex.kind();
        }
    }
}
