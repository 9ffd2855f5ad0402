package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** WalSalvage reads past damage, resynchronising at the next frame that checks out, and names exactly what it lost. */
class WalSalvageTest
{
    private static final int SEGMENT = 2048;
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(SEGMENT)
        .withNextSegment(NextSegment.AT_ROLL);
    private static final int ENTRIES = 300;

    private final Directory dir = new MemoryDirectory();

    @AfterEach
    void close()
    {
        dir.close();
    }

    private static byte[] payload(final long id)
    {
        return ("entry-" + id + "-" + "x".repeat((int)(id % 37))).getBytes(StandardCharsets.UTF_8);
    }

    private void write()
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            for (long id = 1; id <= ENTRIES; id++)
            {
                assertEquals(id, w.append(payload(id)));
            }
        }
    }

    private static String seg(final long id)
    {
        return WalLayout.segmentPath("wal", id);
    }

    /** Salvage, checking every entry read is the one written, read once, in order. */
    private WalSalvage.Report salvage(final BitSet read)
    {
        final List<WalSalvage.Loss> streamed = new ArrayList<>();
        final long[] previous = {0};
        final WalSalvage.Report report = WalSalvage.salvage(dir, OPTIONS, (id, buffer, offset, length) ->
        {
            assertTrue(id > previous[0], "in id order, once: " + id + " after " + previous[0]);
            previous[0] = id;
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            assertArrayEquals(payload(id), bytes, "entry " + id + " as written");
            read.set((int)id);
        }, streamed::add);
        assertEquals(report.losses(), streamed, "each loss streamed once, in order");
        assertEquals(read.cardinality(), report.entries());
        return report;
    }

    @Test
    void aCleanWalIsReadWholeWithNoLoss()
    {
        write();
        final BitSet read = new BitSet();
        final WalSalvage.Report report = salvage(read);
        assertEquals(ENTRIES, report.entries());
        assertEquals(1, report.firstEntryId());
        assertEquals(ENTRIES, report.lastEntryId());
        assertFalse(report.lostAnything(), report.losses().toString());
    }

    @Test
    void oneFlippedByteLosesExactlyThatEntryAndTheRestOfTheSegmentIsRead()
    {
        write();
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(2), KIND);
        final Damage.FrameSpan victim = frames.get(5);
        Damage.flipByte(dir, seg(2), victim.offset() + 30);
        final BitSet read = new BitSet();
        final WalSalvage.Report report = salvage(read);
        assertEquals(ENTRIES - 1, report.entries(), report.losses().toString());
        assertFalse(read.get((int)victim.entryId()));
        assertEquals(1, report.losses().size(), report.losses().toString());
        final WalSalvage.Loss loss = report.losses().get(0);
        assertEquals(2, loss.segmentId());
        assertEquals(seg(2), loss.path());
        assertEquals(victim.entryId(), loss.firstEntryId());
        assertEquals(victim.entryId(), loss.lastEntryId());
        assertEquals(victim.offset(), loss.fromOffset());
        assertEquals(frames.get(6).offset(), loss.toOffset(), "resynchronised at the next frame");
        assertTrue(loss.describe().contains("entry " + victim.entryId() + " lost"), loss.describe());
        assertTrue(loss.reason().contains("CRC") || loss.reason().contains("crc"), loss.reason());
    }

    @Test
    void aZeroedRunOfFramesIsOneLossNamingEachOfItsIds()
    {
        write();
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(3), KIND);
        final Damage.FrameSpan from = frames.get(2);
        final Damage.FrameSpan to = frames.get(4);
        Damage.zero(dir, seg(3), from.offset(), to.offset() + to.length());
        final BitSet read = new BitSet();
        final WalSalvage.Report report = salvage(read);
        assertEquals(1, report.losses().size(), report.losses().toString());
        final WalSalvage.Loss loss = report.losses().get(0);
        assertEquals(from.entryId(), loss.firstEntryId());
        assertEquals(to.entryId(), loss.lastEntryId());
        assertEquals(3, loss.entries());
        assertEquals(ENTRIES - 3, report.entries());
    }

    @Test
    void aSegmentWhoseHeaderDoesNotReadIsLostWholeItsIdsNamedByItsNeighbours()
    {
        write();
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(4), KIND);
        Damage.flipByte(dir, seg(4), 20);
        final BitSet read = new BitSet();
        final WalSalvage.Report report = salvage(read);
        assertEquals(1, report.losses().size(), report.losses().toString());
        final WalSalvage.Loss loss = report.losses().get(0);
        assertEquals(4, loss.segmentId());
        assertEquals(0, loss.fromOffset());
        assertEquals(frames.get(0).entryId(), loss.firstEntryId());
        final long lastInSegment = frames.get(frames.size() - 1).seal() ?
            frames.get(frames.size() - 1).entryId() - 1 : frames.get(frames.size() - 1).entryId();
        assertEquals(lastInSegment, loss.lastEntryId());
        assertTrue(loss.reason().contains("header"), loss.reason());
        assertEquals(ENTRIES - loss.entries(), report.entries());
    }

    @Test
    void damageInTheLastFrameLeavesALossOfUnknownCount()
    {
        write();
        final String last = Damage.finalSegment(dir, "wal");
        final List<Damage.FrameSpan> frames = Damage.frames(dir, last, KIND);
        final Damage.FrameSpan victim = frames.get(frames.size() - 1);
        assertEquals(ENTRIES, victim.entryId());
        Damage.flipByte(dir, last, victim.offset() + 26);
        final WalSalvage.Report report = salvage(new BitSet());
        assertEquals(ENTRIES - 1, report.lastEntryId());
        assertEquals(1, report.losses().size());
        assertEquals(ENTRIES, report.losses().get(0).firstEntryId());
        assertEquals(-1, report.losses().get(0).entries());
        assertTrue(report.lossUnbounded());
        assertTrue(report.losses().get(0).describe().contains("how many is unknown"), report.losses().get(0).describe());
    }

    @Test
    void aMissingSegmentFileIsALossNamingItsIds()
    {
        write();
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(3), KIND);
        dir.delete(seg(3));
        final WalSalvage.Report report = salvage(new BitSet());
        assertEquals(1, report.losses().size(), report.losses().toString());
        final WalSalvage.Loss loss = report.losses().get(0);
        assertEquals(frames.get(0).entryId(), loss.firstEntryId());
        assertEquals(frames.get(frames.size() - 1).entryId() - 1, loss.lastEntryId(), "up to the seal's next id");
        assertTrue(loss.reason().contains("missing"), loss.reason());
    }

    /**
     * Seeded: up to three bytes flipped or ranges zeroed anywhere in the WAL. Whatever the damage, every entry
     * read is the one written (checked in {@link #salvage}), and the entries read and those the losses name
     * partition the ids: none both, none neither (an unknown-count loss covers the rest of the WAL).
     */
    @Test
    void entriesReadAndEntriesLostPartitionTheIdsUnderRandomDamage()
    {
        final long seed = Long.getLong("salvage.seed", 20261208L);
        System.out.println("salvage damage seed=" + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        write();
        final Map<String, byte[]> image = Damage.capture(dir, "wal");
        final List<String> paths = new ArrayList<>(new TreeMap<>(image).keySet());
        int withLoss = 0;
        for (int round = 0; round < 300; round++)
        {
            Damage.restore(dir, "wal", image);
            final int hits = 1 + random.nextInt(3);
            final StringBuilder what = new StringBuilder();
            for (int h = 0; h < hits; h++)
            {
                final String path = paths.get(random.nextInt(paths.size()));
                final int at = random.nextInt(SEGMENT);
                if (random.nextBoolean())
                {
                    Damage.flipByte(dir, path, at);
                    what.append(" flip ").append(path).append('@').append(at);
                }
                else
                {
                    final int to = Math.min(SEGMENT, at + 1 + random.nextInt(300));
                    Damage.zero(dir, path, at, to);
                    what.append(" zero ").append(path).append('[').append(at).append(',').append(to).append(')');
                }
            }
            final BitSet read = new BitSet();
            final WalSalvage.Report report = salvage(read);
            final BitSet lost = new BitSet();
            long unboundedFrom = Long.MAX_VALUE;
            for (final WalSalvage.Loss l : report.losses())
            {
                if (l.lastEntryId() < 0)
                {
                    unboundedFrom = Math.min(unboundedFrom, l.firstEntryId());
                    continue;
                }
                for (long id = Math.max(1, l.firstEntryId()); id <= l.lastEntryId(); id++)
                {
                    assertFalse(lost.get((int)id), "seed " + seed + " round " + round + what + ": id " + id + " lost twice");
                    lost.set((int)id);
                }
            }
            assertFalse(read.intersects(lost), "seed " + seed + " round " + round + what + ": read and lost " + report.losses());
            for (int id = 1; id <= ENTRIES; id++)
            {
                assertTrue(read.get(id) || lost.get(id) || id >= unboundedFrom,
                    "seed " + seed + " round " + round + what + ": entry " + id + " neither read nor lost: " + report.losses());
            }
            if (report.lostAnything())
            {
                withLoss++;
            }
        }
        assertTrue(withLoss > 100, "the damage hit something in most rounds: " + withLoss);
    }
}
