package io.durability.recover;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The segment-index state the seed's {@link io.durability.walog.WalEntry} operations build: live
 * segments with their document counts and deleted documents. Mutable, with stable (sorted) order
 * everywhere so that a checkpoint of it is deterministic.
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

    private final TreeMap<Long, Long> docCounts = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> deletes = new TreeMap<>();

    /** Add or replace a segment with no deletes. */
    public void putSegment(final long segmentId, final long docCount)
    {
        docCounts.put(segmentId, docCount);
        deletes.put(segmentId, new TreeSet<>());
    }

    /** Remove a segment (no-op when absent). */
    public void removeSegment(final long segmentId)
    {
        docCounts.remove(segmentId);
        deletes.remove(segmentId);
    }

    /** Mark a document deleted; ignored when the segment is not live (as in the seed). */
    public void delete(final long segmentId, final long docId)
    {
        final NavigableSet<Long> set = deletes.get(segmentId);
        if (set != null)
        {
            set.add(docId);
        }
    }

    /** @return whether a segment is live. */
    public boolean contains(final long segmentId)
    {
        return docCounts.containsKey(segmentId);
    }

    /** @return the live segments in id order, as immutable values. */
    public List<Segment> segments()
    {
        final List<Segment> out = new ArrayList<>(docCounts.size());
        for (final Map.Entry<Long, Long> e : docCounts.entrySet())
        {
            out.add(new Segment(e.getKey(), e.getValue(), new ArrayList<>(deletes.get(e.getKey()))));
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
        return o instanceof SegmentIndexState other && segments().equals(other.segments());
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(segments());
    }

    @Override
    public String toString()
    {
        return "SegmentIndexState" + segments();
    }
}
