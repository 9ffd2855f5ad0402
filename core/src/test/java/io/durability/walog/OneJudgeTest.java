package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Same bytes, same answer, whoever asks: a cleanly closed WAL (every entry acknowledged, the exact
 * watermark in every header) damaged the ways disks and operators damage files (bit flips anywhere,
 * zeroed sectors, a truncated or missing segment, a segment duplicated or two swapped, damaged
 * headers and watermarks), then read by strict and best-effort replay and by every tailer kind
 * (visible and durable, strict and best effort) polled until idle. Every reader must reach the same
 * verdict: the same error kind at the same file and offset, or none. A tailer streams, so it may have
 * delivered the entries before the damage first (a run from entry 1); without an error the same entries,
 * except that a durable tailer delivers only what is still proven durable (a prefix of them, when the
 * damage took the proof away: the last segment, say); and damage after every entry in the last segment,
 * past its exact watermark, is not read by a durable tailer (no barrier covers it), which has then
 * delivered every entry.
 */
class OneJudgeTest
{
    private static final long SEED = Long.getLong("judge.seed", 0x1DD6EL);
    private static final int CASES = Integer.getInteger("judge.cases", 1_500);
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096).withSaltSeed(11);

    private static byte[] payload(final long id)
    {
        final byte[] b = new byte[40 + (int)(id * 37 % 160)];
        for (int i = 0; i < b.length; i++)
        {
            b[i] = (byte)(id * 7 + i);
        }
        return b;
    }

    @Test
    void everyReaderReachesTheSameVerdictOnTheSameDamage()
    {
        final Map<String, byte[]> image = cleanlyClosedWal();
        final List<String> paths = segmentsInOrder(image);
        final SplittableRandom random = new SplittableRandom(SEED);
        final Map<String, Integer> kinds = new LinkedHashMap<>();
        final List<String> disagreements = new ArrayList<>();
        int errors = 0;
        for (int c = 0; c < CASES; c++)
        {
            try (MemoryDirectory dir = new MemoryDirectory())
            {
                dir.createDirectories(OPTIONS.walDir());
                image.forEach(dir::atomicWrite);
                final String damage = damage(dir, image, paths, random);
                kinds.merge(damage.substring(0, damage.indexOf(' ')), 1, Integer::sum);
                for (final ReplayMode mode : ReplayMode.values())
                {
                    final String replay = replay(dir, mode);
                    errors += replay.contains("error") ? 1 : 0;
                    for (final WalTailer.Delivery delivery : WalTailer.Delivery.values())
                    {
                        final String tailed = tail(dir, delivery, mode);
                        if (!agree(replay, tailed, delivery, paths.get(paths.size() - 1)))
                        {
                            disagreements.add(String.format("%s: %s replay [%s] vs %s tailer [%s]", damage, mode, replay,
                                delivery, tailed));
                        }
                    }
                }
            }
        }
        disagreements.stream().limit(20).forEach(System.out::println);
        assertEquals(0, disagreements.size(), "seed " + SEED + ": " + disagreements.size() + " disagreements, the first: " +
            disagreements.stream().limit(3).toList());
        assertTrue(errors > CASES / 2, "most damage is named: " + errors);
        System.out.printf("one judge: seed=%d cases=%d %s, 2 replays and 4 tailers agree on each (errors named: %d)%n",
            SEED, CASES, kinds, errors);
    }

    /**
     * A seal that no longer reads (its frame zeroed) in each segment but the last: the segments after
     * it record durable watermarks, so the seal was durable and every reader must call it corruption,
     * in the same words (a visible tailer stopped there would otherwise take it for a live writer's end).
     */
    @Test
    void aLostSealBeforeAProvenSegmentIsNamedAlikeByEveryReader()
    {
        final Map<String, byte[]> image = cleanlyClosedWal();
        final List<String> paths = segmentsInOrder(image);
        for (final String path : paths.subList(0, paths.size() - 1))
        {
            try (MemoryDirectory dir = new MemoryDirectory())
            {
                dir.createDirectories(OPTIONS.walDir());
                image.forEach(dir::atomicWrite);
                final byte[] bytes = image.get(path);
                int end = bytes.length;
                while (end > 0 && bytes[end - 1] == 0)
                {
                    end--;
                }
                // The seal is the segment's last frame: a 24-byte header whose last word (its salt) is non-zero.
                final int seal = ((end - 1) & ~(io.durability.internal.frame.FrameDescriptor.ALIGNMENT - 1)) - 16;
                Damage.zero(dir, path, seal, end);
                for (final ReplayMode mode : ReplayMode.values())
                {
                    final String replay = replay(dir, mode);
                    assertTrue(replay.contains("segment ends without a seal but is not the final segment") &&
                        replay.contains("so this seal was durable"), path + ", " + mode + ": " + replay);
                    for (final WalTailer.Delivery delivery : WalTailer.Delivery.values())
                    {
                        final String tailed = tail(dir, delivery, mode);
                        assertTrue(agree(replay, tailed, delivery, paths.get(paths.size() - 1)),
                            path + ": " + mode + " replay [" + replay + "] vs " + delivery + " tailer [" + tailed + "]");
                    }
                }
            }
        }
    }

    /** 300 entries of 40-199 bytes in 4 KiB segments, closed: every entry acknowledged, exact watermarks. */
    private static Map<String, byte[]> cleanlyClosedWal()
    {
        try (MemoryDirectory dir = new MemoryDirectory())
        {
            try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                for (long id = 1; id <= 300; id++)
                {
                    w.append(payload(id));
                }
            }
            return new TreeMap<>(Damage.capture(dir, OPTIONS.walDir()));
        }
    }

    private static List<String> segmentsInOrder(final Map<String, byte[]> image)
    {
        final List<String> paths = new ArrayList<>(image.keySet());
        paths.sort(java.util.Comparator.comparingLong(p -> WalLayout.parseSegmentId(p.substring(p.lastIndexOf('/') + 1))));
        return paths;
    }

    private static String damage(
        final MemoryDirectory dir, final Map<String, byte[]> image, final List<String> paths, final SplittableRandom random)
    {
        final String path = paths.get(random.nextInt(paths.size()));
        final int length = image.get(path).length;
        switch (random.nextInt(8))
        {
            case 0, 1, 2 ->
            {
                final int offset = random.nextInt(length);
                final int bit = random.nextInt(8);
                final byte[] one = Damage.read(dir, path, offset, offset + 1);
                one[0] ^= (byte)(1 << bit);
                Damage.write(dir, path, offset, one);
                return "flip " + path + " byte " + offset + " bit " + bit;
            }
            case 3 ->
            {
                final int sector = random.nextInt(length / 512);
                Damage.zero(dir, path, sector * 512, sector * 512 + 512);
                return "zero-sector " + path + " sector " + sector;
            }
            case 4 ->
            {
                final int offset = random.nextInt(64);
                final int bit = random.nextInt(8);
                final byte[] one = Damage.read(dir, path, offset, offset + 1);
                one[0] ^= (byte)(1 << bit);
                Damage.write(dir, path, offset, one);
                return "header " + path + " byte " + offset + " bit " + bit;
            }
            case 5 ->
            {
                final int keep = random.nextInt(length);
                dir.atomicWrite(path, Arrays.copyOf(image.get(path), keep));
                return "truncate " + path + " to " + keep;
            }
            case 6 ->
            {
                dir.delete(path);
                return "missing " + path;
            }
            default ->
            {
                final String other = paths.get(random.nextInt(paths.size()));
                if (random.nextBoolean())
                {
                    dir.atomicWrite(path, image.get(other));
                    return "duplicate " + other + " over " + path;
                }
                dir.atomicWrite(path, image.get(other));
                dir.atomicWrite(other, image.get(path));
                return "swap " + path + " " + other;
            }
        }
    }

    private static String replay(final MemoryDirectory dir, final ReplayMode mode)
    {
        final List<Long> ids = new ArrayList<>();
        try
        {
            new WalReader<>(dir, BytesCodec.INSTANCE, OPTIONS).replayEach(mode, (id, e) -> ids.add(id));
            return summary(ids, null);
        }
        catch (final DurabilityException ex)
        {
            return summary(ids, ex);
        }
    }

    private static String tail(final MemoryDirectory dir, final WalTailer.Delivery delivery, final ReplayMode mode)
    {
        final List<Long> ids = new ArrayList<>();
        try (WalTailer<byte[]> tailer = WalTailer.open(dir, BytesCodec.INSTANCE, OPTIONS, mode, delivery, WalTailer.FIRST))
        {
            int idle = 0;
            while (idle < 3)
            {
                final int n = tailer.poll((id, e) -> ids.add(id), 1000);
                idle = n == 0 ? idle + 1 : 0;
            }
            return summary(ids, null);
        }
        catch (final DurabilityException ex)
        {
            return summary(ids, ex);
        }
    }

    /**
     * A tailer streams: where replay judges the whole chain before it delivers anything, a tailer
     * delivers the entries before the damage first. So: the same error (kind, file, offset), the
     * tailer's entries a consecutive run from 1; without an error, the same entries.
     */
    private static boolean agree(
        final String replay, final String tailed, final WalTailer.Delivery delivery, final String lastSegment)
    {
        final int r = replay.indexOf(" then error ");
        final int t = tailed.indexOf(" then error ");
        if (r >= 0 && t < 0 && delivery == WalTailer.Delivery.DURABLE && replay.substring(0, r).equals(tailed) &&
            replay.contains(" " + lastSegment + "@"))
        {
            // Damage after every entry, past the exact watermark of the last segment: bytes no barrier covers,
            // which a durable tailer does not read until a barrier does (it has delivered every entry).
            return true;
        }
        if (r < 0 && t < 0 && delivery == WalTailer.Delivery.DURABLE)
        {
            // Damage that removed the proof (the last segment, whose header held the exact watermark) but
            // that replay reads as a crash's tail: a durable tailer delivers only what is still proven.
            return tailed.equals("none") ||
                tailed.substring(0, tailed.indexOf("..")).equals(replay.substring(0, Math.max(0, replay.indexOf("..")))) &&
                count(tailed) <= count(replay);
        }
        if (r < 0 || t < 0)
        {
            return replay.equals(tailed);
        }
        return replay.substring(r).equals(tailed.substring(t)) && (tailed.startsWith("none") || tailed.startsWith("1.."));
    }

    private static int count(final String summary)
    {
        return summary.equals("none") ? 0 : Integer.parseInt(summary.substring(summary.indexOf('(') + 1, summary.indexOf(')')));
    }

    private static String summary(final List<Long> ids, final DurabilityException ex)
    {
        final String delivered = ids.isEmpty() ? "none" : ids.get(0) + ".." + ids.get(ids.size() - 1) + " (" + ids.size() + ")";
        // The whole message: the same rule names the same damage in the same words, whoever reads.
        return ex == null ? delivered : delivered + " then error " + ex.kind() + " " + ex.file() + "@" + ex.offset() + ": " +
            ex.getMessage();
    }
}
