package io.durability.recover;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The segment-index state the seed's {@link io.durability.walog.WalEntry} operations build: live
 * segments with their document counts and deleted documents. Mutable, with stable (sorted) order
 * everywhere so that a checkpoint of it is deterministic: segments in ascending (signed) id order,
 * each segment's deleted document ids ascending and distinct.
 *
 * <p>Storage is primitive (issue 14): segment ids, document counts and deleted ids are {@code long}s
 * in sorted chunks, so applying an entry, looking a segment up, encoding and decoding a checkpoint
 * box nothing. Appending a segment of an id above every live one, and deleting a document of an id
 * above the segment's others, are amortised O(1); other inserts and removals O(log n) to find plus
 * at most a few hundred entries moved. {@link #segments()} is the boxed, immutable view of old; the
 * primitive accessors ({@link #segmentCount()}, {@link #docCount}, {@link #deletedCount},
 * {@link #isDeleted}, {@link #deletedDocs}, {@link #forEachSegment}, {@link #forEachDeleted}) read
 * without building it.
 *
 * <p>Not thread-safe: a state mutated by one thread must not be read by another without
 * synchronisation. Reads never modify it, so a state no longer mutated and safely published may be
 * read by several threads at once. The values {@link #segments()} returns are immutable snapshots.
 */
public final class SegmentIndexState
{
    /**
     * One live segment.
     *
     * @param segmentId   the segment.
     * @param docCount    its document count (0 when unknown, as after a merge).
     * @param deletedDocs deleted document ids, sorted.
     */
    public record Segment(long segmentId, long docCount, List<Long> deletedDocs)
    {
        /** Copies the list. */
        public Segment
        {
            deletedDocs = List.copyOf(deletedDocs);
        }
    }

    /** Visits one live segment; see {@link #forEachSegment}. */
    @FunctionalInterface
    public interface SegmentVisitor
    {
        /**
         * @param segmentId    the segment.
         * @param docCount     its document count.
         * @param deletedCount how many of its documents are deleted.
         */
        void visit(long segmentId, long docCount, int deletedCount);
    }

    /**
     * Deleted ids of a segment: {@code null} (none), a sorted {@code long[]} of exactly its ids and at most
     * {@link #SMALL} long (never written once shared: replaced on change), or a {@link LongChunks}.
     */
    static final int SMALL = 64;

    private static final long[] NONE = new long[0];

    /** Keys: segment ids; vals: document counts; refs: deleted ids (see {@link #SMALL}). */
    final LongChunks segments;
    long deletedTotal;

    /** An empty state. */
    public SegmentIndexState()
    {
        this(new LongChunks(true, true, 0));
    }

    SegmentIndexState(final LongChunks segments)
    {
        this.segments = segments;
    }

    /** Add or replace a segment with no deletes. */
    public void putSegment(final long segmentId, final long docCount)
    {
        final LongChunks s = segments;
        if (s.size == 0 || segmentId > s.lastKey())
        {
            s.append(segmentId, docCount, null);
            return;
        }
        final long p = s.search(segmentId);
        if (p >= 0)
        {
            deletedTotal -= count(s.ref(p));
            s.setVal(p, docCount);
            s.setRef(p, null);
        }
        else
        {
            s.insert(-p - 1, segmentId, docCount, null);
        }
    }

    /** Remove a segment (no-op when absent). */
    public void removeSegment(final long segmentId)
    {
        final long p = segments.search(segmentId);
        if (p >= 0)
        {
            deletedTotal -= count(segments.ref(p));
            segments.remove(p);
        }
    }

    /** Mark a document deleted; ignored when the segment is not live (as in the seed), or already deleted. */
    public void delete(final long segmentId, final long docId)
    {
        final long p = segments.search(segmentId);
        if (p < 0)
        {
            return;
        }
        final Object docs = segments.ref(p);
        if (docs == null)
        {
            segments.setRef(p, new long[] {docId});
            deletedTotal++;
        }
        else if (docs instanceof long[] small)
        {
            final int n = small.length;
            if (docId > small[n - 1])
            {
                if (n < SMALL)
                {
                    final long[] grown = Arrays.copyOf(small, n + 1);
                    grown[n] = docId;
                    segments.setRef(p, grown);
                }
                else
                {
                    final LongChunks big = chunksOf(small);
                    big.append(docId, 0, null);
                    segments.setRef(p, big);
                }
                deletedTotal++;
                return;
            }
            final int i = Arrays.binarySearch(small, docId);
            if (i >= 0)
            {
                return;
            }
            final int at = -i - 1;
            if (n < SMALL)
            {
                final long[] grown = new long[n + 1];
                System.arraycopy(small, 0, grown, 0, at);
                grown[at] = docId;
                System.arraycopy(small, at, grown, at + 1, n - at);
                segments.setRef(p, grown);
            }
            else
            {
                final LongChunks big = chunksOf(small);
                big.add(docId);
                segments.setRef(p, big);
            }
            deletedTotal++;
        }
        else if (((LongChunks)docs).add(docId))
        {
            deletedTotal++;
        }
    }

    private static LongChunks chunksOf(final long[] sorted)
    {
        final LongChunks c = new LongChunks(false, false, sorted.length + 1);
        for (final long d : sorted)
        {
            c.append(d, 0, null);
        }
        return c;
    }

    static int count(final Object docs)
    {
        return docs == null ? 0 : docs instanceof long[] small ? small.length : ((LongChunks)docs).size;
    }

    /** @return whether a segment is live. */
    public boolean contains(final long segmentId)
    {
        return segments.search(segmentId) >= 0;
    }

    /** @return how many segments are live. */
    public int segmentCount()
    {
        return segments.size;
    }

    /** @return how many documents are deleted, over all live segments. */
    public long deletedDocCount()
    {
        return deletedTotal;
    }

    /**
     * @return the document count of a live segment.
     * @throws IllegalArgumentException when the segment is not live.
     */
    public long docCount(final long segmentId)
    {
        final long p = segments.search(segmentId);
        if (p < 0)
        {
            throw new IllegalArgumentException("segment " + segmentId + " is not live");
        }
        return segments.val(p);
    }

    /** @return how many documents of a segment are deleted (0 when it is not live). */
    public int deletedCount(final long segmentId)
    {
        final long p = segments.search(segmentId);
        return p < 0 ? 0 : count(segments.ref(p));
    }

    /** @return whether a document of a live segment is deleted. */
    public boolean isDeleted(final long segmentId, final long docId)
    {
        final long p = segments.search(segmentId);
        if (p < 0)
        {
            return false;
        }
        final Object docs = segments.ref(p);
        if (docs == null)
        {
            return false;
        }
        return docs instanceof long[] small ? Arrays.binarySearch(small, docId) >= 0 : ((LongChunks)docs).search(docId) >= 0;
    }

    /** @return a new array of the deleted ids of a segment, ascending (empty when it is not live). */
    public long[] deletedDocs(final long segmentId)
    {
        final long p = segments.search(segmentId);
        if (p < 0)
        {
            return NONE;
        }
        final Object docs = segments.ref(p);
        final long[] out = new long[count(docs)];
        final int[] at = {0};
        forEach(docs, d -> out[at[0]++] = d);
        return out;
    }

    /** Visits the live segments in id order. */
    public void forEachSegment(final SegmentVisitor visitor)
    {
        final LongChunks s = segments;
        for (int c = 0; c < s.chunkCount; c++)
        {
            final long[] ids = s.keys[c];
            final long[] counts = s.vals[c];
            final Object[] docs = s.refs[c];
            for (int i = 0, n = s.sizes[c]; i < n; i++)
            {
                visitor.visit(ids[i], counts[i], count(docs[i]));
            }
        }
    }

    /** Visits the deleted ids of a segment, ascending (none when it is not live). */
    public void forEachDeleted(final long segmentId, final LongConsumer consumer)
    {
        final long p = segments.search(segmentId);
        if (p >= 0)
        {
            forEach(segments.ref(p), consumer);
        }
    }

    static void forEach(final Object docs, final LongConsumer consumer)
    {
        if (docs instanceof long[] small)
        {
            for (final long d : small)
            {
                consumer.accept(d);
            }
        }
        else if (docs != null)
        {
            final LongChunks big = (LongChunks)docs;
            for (int c = 0; c < big.chunkCount; c++)
            {
                final long[] ids = big.keys[c];
                for (int i = 0, n = big.sizes[c]; i < n; i++)
                {
                    consumer.accept(ids[i]);
                }
            }
        }
    }

    /** @return an independent copy: changes to either do not show in the other. */
    public SegmentIndexState copy()
    {
        final LongChunks s = segments.copy();
        for (int c = 0; c < s.chunkCount; c++)
        {
            final Object[] docs = s.refs[c];
            for (int i = 0, n = s.sizes[c]; i < n; i++)
            {
                if (docs[i] instanceof LongChunks big)
                {
                    docs[i] = big.copy();
                }
            }
        }
        final SegmentIndexState copy = new SegmentIndexState(s);
        copy.deletedTotal = deletedTotal;
        return copy;
    }

    /** @return the live segments in id order, as immutable values (boxed: prefer the primitive accessors at scale). */
    public List<Segment> segments()
    {
        final List<Segment> out = new ArrayList<>(segments.size);
        final LongChunks s = segments;
        for (int c = 0; c < s.chunkCount; c++)
        {
            for (int i = 0, n = s.sizes[c]; i < n; i++)
            {
                final Object docs = s.refs[c][i];
                final List<Long> deleted = new ArrayList<>(count(docs));
                forEach(docs, deleted::add);
                out.add(new Segment(s.keys[c][i], s.vals[c][i], deleted));
            }
        }
        return out;
    }

    /** @return a state holding {@code segments}. */
    public static SegmentIndexState of(final List<Segment> segments)
    {
        final SegmentIndexState s = new SegmentIndexState();
        for (final Segment seg : segments)
        {
            s.putSegment(seg.segmentId(), seg.docCount());
            for (final long d : seg.deletedDocs())
            {
                s.delete(seg.segmentId(), d);
            }
        }
        return s;
    }

    @Override
    public boolean equals(final Object o)
    {
        if (o == this)
        {
            return true;
        }
        if (!(o instanceof SegmentIndexState other) || other.segments.size != segments.size ||
            other.deletedTotal != deletedTotal)
        {
            return false;
        }
        final SegmentCursor a = new SegmentCursor(segments);
        final SegmentCursor b = new SegmentCursor(other.segments);
        while (a.next() && b.next())
        {
            if (a.id() != b.id() || a.docCount() != b.docCount() || !sameDocs(a.docs(), b.docs()))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean sameDocs(final Object a, final Object b)
    {
        if (count(a) != count(b))
        {
            return false;
        }
        if (a instanceof long[] x && b instanceof long[] y)
        {
            return Arrays.equals(x, y);
        }
        final long[] x = new long[count(a)];
        final long[] y = new long[count(b)];
        final int[] at = {0, 0};
        forEach(a, d -> x[at[0]++] = d);
        forEach(b, d -> y[at[1]++] = d);
        return Arrays.equals(x, y);
    }

    @Override
    public int hashCode()
    {
        final long[] h = {1};
        final LongChunks s = segments;
        for (int c = 0; c < s.chunkCount; c++)
        {
            for (int i = 0, n = s.sizes[c]; i < n; i++)
            {
                h[0] = 31 * h[0] + s.keys[c][i];
                h[0] = 31 * h[0] + s.vals[c][i];
                forEach(s.refs[c][i], d -> h[0] = 31 * h[0] + d);
                h[0] = 31 * h[0] + count(s.refs[c][i]);
            }
        }
        return Long.hashCode(h[0]);
    }

    @Override
    public String toString()
    {
        return "SegmentIndexState" + segments();
    }

    /** Walks a segment table in id order. */
    private static final class SegmentCursor
    {
        private final LongChunks s;
        private int c;
        private int i = -1;

        SegmentCursor(final LongChunks s)
        {
            this.s = s;
        }

        boolean next()
        {
            if (++i < (c < s.chunkCount ? s.sizes[c] : 0))
            {
                return true;
            }
            c++;
            i = 0;
            return c < s.chunkCount;
        }

        long id()
        {
            return s.keys[c][i];
        }

        long docCount()
        {
            return s.vals[c][i];
        }

        Object docs()
        {
            return s.refs[c][i];
        }
    }
}
