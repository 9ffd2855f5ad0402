package io.durability.recover;

import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntry;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 14: the primitive SegmentIndexState keeps the boxed one's semantics and checkpoint bytes. */
class SegmentIndexStateTest
{
    private static byte[] encode(final SegmentIndexState s)
    {
        final int length = (int)SegmentIndexCodec.INSTANCE.exactLength(s);
        final byte[] bytes = new byte[length];
        assertEquals(length, SegmentIndexCodec.INSTANCE.encode(s, new UnsafeBuffer(bytes), 0, length));
        return bytes;
    }

    private static SegmentIndexState decode(final byte[] bytes)
    {
        return SegmentIndexCodec.INSTANCE.decode(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Test
    void smallStateEncodesToPinnedBytes()
    {
        final SegmentIndexState s = new SegmentIndexState();
        s.putSegment(9, 5);
        s.putSegment(3, 100);
        s.delete(3, 7);
        s.delete(3, 1);
        s.delete(3, 7);
        final String expected =
            "02000000" +
            "0300000000000000" + "64000000" + "02000000" + "01000000" + "07000000" +
            "0900000000000000" + "05000000" + "00000000";
        assertEquals(expected, HexFormat.of().formatHex(encode(s)));
        assertEquals(44, SegmentIndexCodec.INSTANCE.exactLength(s));
        assertEquals(s, decode(encode(s)));
        assertEquals("00000000", HexFormat.of().formatHex(encode(new SegmentIndexState())));
        assertEquals("SegmentIndexState[Segment[segmentId=3, docCount=100, deletedDocs=[1, 7]], " +
            "Segment[segmentId=9, docCount=5, deletedDocs=[]]]", s.toString());
    }

    @Test
    void applySemanticsAreTheSeeds()
    {
        final SegmentIndexState s = new SegmentIndexState();
        s.delete(1, 5);
        assertEquals(0, s.segmentCount(), "a delete of an unknown segment is ignored");
        assertFalse(s.contains(1));
        s.putSegment(1, 10);
        s.delete(1, 5);
        s.delete(1, 5);
        s.delete(1, 3);
        assertArrayEquals(new long[] {3, 5}, s.deletedDocs(1), "duplicates once, ascending");
        assertEquals(2, s.deletedCount(1));
        assertEquals(2, s.deletedDocCount());
        assertTrue(s.isDeleted(1, 3));
        assertFalse(s.isDeleted(1, 4));
        assertFalse(s.isDeleted(2, 3));
        s.putSegment(1, 20);
        assertEquals(List.of(new SegmentIndexState.Segment(1, 20, List.of())), s.segments(),
            "putSegment replaces the segment and forgets its deletes");
        assertEquals(0, s.deletedDocCount());
        s.removeSegment(42);
        s.delete(1, 9);
        s.removeSegment(1);
        assertEquals(0, s.segmentCount());
        assertEquals(0, s.deletedDocCount());
        s.delete(1, 9);
        assertEquals(List.of(), s.segments(), "deletes of a removed segment are ignored");
        assertThrows(IllegalArgumentException.class, () -> s.docCount(1));
        assertArrayEquals(new long[0], s.deletedDocs(1));
        assertEquals(0, s.deletedCount(1));

        // EndMerge through RecoveryManager.apply: old segments go, the merged one comes with count 0 and
        // only the remapped deletes that name it.
        s.putSegment(1, 10);
        s.putSegment(2, 10);
        s.delete(1, 1);
        RecoveryManager.apply(s, 5, new WalEntry.EndMerge(7, 3, List.of(1L, 2L),
            List.of(new WalEntry.DocRef(3, 4), new WalEntry.DocRef(9, 1))));
        assertEquals(List.of(new SegmentIndexState.Segment(3, 0, List.of(4L))), s.segments());
        RecoveryManager.apply(s, 6, new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(3, 2),
            new WalEntry.DocRef(8, 2))));
        assertEquals(List.of(new SegmentIndexState.Segment(3, 0, List.of(2L, 4L))), s.segments());
    }

    @Test
    void valuesThatDoNotFitAreEncodeErrorsAndBadBytesDecodeErrors()
    {
        final SegmentIndexState big = new SegmentIndexState();
        big.putSegment(1, WalEntry.MAX_U32 + 1);
        assertEquals(DurabilityException.Kind.ENCODE, assertThrows(DurabilityException.class, () -> encode(big)).kind());
        final SegmentIndexState doc = new SegmentIndexState();
        doc.putSegment(1, 1);
        doc.delete(1, -1);
        assertEquals(DurabilityException.Kind.ENCODE, assertThrows(DurabilityException.class, () -> encode(doc)).kind());
        assertEquals(SegmentIndexCodec.DOES_NOT_FIT,
            SegmentIndexCodec.INSTANCE.encode(doc, new UnsafeBuffer(new byte[23]), 0, 23));

        final byte[] twoSegments = encode(SegmentIndexState.of(List.of(new SegmentIndexState.Segment(1, 1, List.of(2L, 3L)),
            new SegmentIndexState.Segment(2, 1, List.of()))));
        final byte[] descendingIds = twoSegments.clone();
        descendingIds[4 + 16 + 8] = 1;
        assertDecodeError(descendingIds, "segment ids must be non-negative and ascending");
        final byte[] descendingDocs = twoSegments.clone();
        descendingDocs[4 + 16 + 4] = 2;
        assertDecodeError(descendingDocs, "deleted doc ids must be ascending");
        final byte[] trailing = java.util.Arrays.copyOf(twoSegments, twoSegments.length + 1);
        assertDecodeError(trailing, "trailing bytes");
        final byte[] tooMany = twoSegments.clone();
        tooMany[0] = 3;
        assertDecodeError(tooMany, "segment count larger than the payload allows");
        final byte[] tooManyDocs = twoSegments.clone();
        tooManyDocs[4 + 12] = 100;
        assertDecodeError(tooManyDocs, "delete count larger than the payload allows");
        assertDecodeError(new byte[2], "payload too short for segment count");
    }

    private static void assertDecodeError(final byte[] bytes, final String message)
    {
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> decode(bytes));
        assertEquals(DurabilityException.Kind.DECODE, ex.kind());
        assertTrue(ex.getMessage().contains(message), ex.getMessage());
    }

    /** The boxed model the state replaced, and the codec's bytes written from it as the old codec wrote them. */
    private static final class Model
    {
        final TreeMap<Long, Long> counts = new TreeMap<>();
        final TreeMap<Long, TreeSet<Long>> deletes = new TreeMap<>();

        void put(final long id, final long count)
        {
            counts.put(id, count);
            deletes.put(id, new TreeSet<>());
        }

        void remove(final long id)
        {
            counts.remove(id);
            deletes.remove(id);
        }

        void delete(final long id, final long doc)
        {
            final TreeSet<Long> set = deletes.get(id);
            if (set != null)
            {
                set.add(doc);
            }
        }

        List<SegmentIndexState.Segment> segments()
        {
            final List<SegmentIndexState.Segment> out = new ArrayList<>();
            for (final Map.Entry<Long, Long> e : counts.entrySet())
            {
                out.add(new SegmentIndexState.Segment(e.getKey(), e.getValue(), new ArrayList<>(deletes.get(e.getKey()))));
            }
            return out;
        }

        byte[] bytes()
        {
            int length = 4;
            for (final TreeSet<Long> d : deletes.values())
            {
                length += 16 + 4 * d.size();
            }
            final ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(counts.size());
            for (final Map.Entry<Long, Long> e : counts.entrySet())
            {
                final TreeSet<Long> d = deletes.get(e.getKey());
                b.putLong(e.getKey()).putInt((int)(long)e.getValue()).putInt(d.size());
                for (final long doc : d)
                {
                    b.putInt((int)doc);
                }
            }
            return b.array();
        }
    }

    @Test
    void largeRandomStateMatchesTheBoxedModelAndRoundTrips()
    {
        final long seed = Long.getLong("seed", 20261201L);
        System.out.println("SegmentIndexStateTest seed " + seed + " (rerun with -Dseed=" + seed + ")");
        final Random random = new Random(seed);
        final SegmentIndexState s = new SegmentIndexState();
        final Model m = new Model();
        long nextId = 0;
        for (int op = 0; op < 400_000; op++)
        {
            final int kind = random.nextInt(100);
            if (kind < 45)
            {
                // Mostly ascending ids, as a WAL appends them; some anywhere, some replacing.
                final long id = random.nextInt(10) == 0 ? random.nextInt((int)nextId + 1) : nextId++;
                final long count = random.nextInt(1 << 20);
                s.putSegment(id, count);
                m.put(id, count);
            }
            else if (kind < 52 && nextId > 0)
            {
                final long id = random.nextInt((int)nextId);
                s.removeSegment(id);
                m.remove(id);
            }
            else if (nextId > 0)
            {
                // A few hot segments get thousands of deletes (past the small and chunk sizes), in any order.
                final long id = random.nextInt(4) == 0 ? random.nextInt(8) : random.nextInt((int)nextId + 2);
                final long doc = random.nextInt(random.nextBoolean() ? 64 : 1 << 24);
                s.delete(id, doc);
                m.delete(id, doc);
            }
            if (op % 50_000 == 0)
            {
                assertEquals(m.segments(), s.segments(), "seed " + seed + " op " + op);
            }
        }
        // Whatever the seed did to the hot segments, one live segment past the small and chunk sizes.
        s.putSegment(nextId, 1 << 20);
        m.put(nextId, 1 << 20);
        for (int d = 0; d < 3_000; d++)
        {
            final long doc = random.nextInt(1 << 20);
            s.delete(nextId, doc);
            m.delete(nextId, doc);
        }
        final List<SegmentIndexState.Segment> expected = m.segments();
        assertEquals(expected, s.segments(), "seed " + seed);
        assertEquals(expected.size(), s.segmentCount());
        assertEquals(expected.stream().mapToLong(x -> x.deletedDocs().size()).sum(), s.deletedDocCount());
        assertTrue(expected.stream().anyMatch(x -> x.deletedDocs().size() > 2 * 512), "seed " + seed + ": big sets tested");

        final byte[] bytes = encode(s);
        assertArrayEquals(m.bytes(), bytes, "seed " + seed + ": the bytes the boxed codec wrote");
        final SegmentIndexState decoded = decode(bytes);
        assertEquals(s, decoded);
        assertEquals(s.hashCode(), decoded.hashCode());
        assertEquals(expected, decoded.segments());
        assertArrayEquals(bytes, encode(decoded));
        assertEquals(s, SegmentIndexState.of(expected));

        // Primitive accessors agree with the boxed view.
        final int[] visited = {0};
        s.forEachSegment((id, count, deleted) ->
        {
            final SegmentIndexState.Segment e = expected.get(visited[0]++);
            assertEquals(e.segmentId(), id);
            assertEquals(e.docCount(), count);
            assertEquals(e.deletedDocs().size(), deleted);
            assertEquals(e.docCount(), s.docCount(id));
        });
        assertEquals(expected.size(), visited[0]);

        // A copy is independent, both ways, for small and chunked delete sets.
        final SegmentIndexState copy = decoded.copy();
        assertEquals(decoded, copy);
        for (long id = 0; id < 8; id++)
        {
            copy.delete(id, (1 << 24) + id);
            decoded.delete(id, (1 << 25) + id);
        }
        copy.putSegment(nextId + 5, 1);
        assertNotEquals(decoded, copy);
        assertEquals(expected, s.segments());
        assertArrayEquals(bytes, encode(s));
        for (final SegmentIndexState.Segment e : expected)
        {
            if (e.segmentId() < 8)
            {
                assertFalse(s.isDeleted(e.segmentId(), (1 << 24) + e.segmentId()));
                assertTrue(copy.isDeleted(e.segmentId(), (1 << 24) + e.segmentId()));
                assertFalse(copy.isDeleted(e.segmentId(), (1 << 25) + e.segmentId()));
            }
        }
    }

    @Test
    void manyRemovalsAndReinsertsInAnyOrderKeepTheOrder()
    {
        final long seed = Long.getLong("seed", 20261202L);
        System.out.println("SegmentIndexStateTest removals seed " + seed);
        final Random random = new Random(seed);
        final SegmentIndexState s = new SegmentIndexState();
        final Model m = new Model();
        for (long id = 0; id < 20_000; id++)
        {
            s.putSegment(id, id);
            m.put(id, id);
        }
        for (int i = 0; i < 60_000; i++)
        {
            final long id = random.nextInt(20_000);
            if (random.nextBoolean())
            {
                s.removeSegment(id);
                m.remove(id);
            }
            else
            {
                s.putSegment(id, i);
                m.put(id, i);
            }
        }
        for (long id = 19_999; id >= 0; id -= random.nextInt(3) + 1)
        {
            s.removeSegment(id);
            m.remove(id);
        }
        assertEquals(m.segments(), s.segments(), "seed " + seed);
        assertArrayEquals(m.bytes(), encode(s), "seed " + seed);
        for (long id = 0; id < 20_000; id++)
        {
            s.removeSegment(id);
        }
        assertEquals(0, s.segmentCount());
        assertArrayEquals(new byte[4], encode(s));
        s.putSegment(5, 5);
        assertEquals(List.of(new SegmentIndexState.Segment(5, 5, List.of())), s.segments());
    }
}
