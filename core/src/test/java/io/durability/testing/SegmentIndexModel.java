package io.durability.testing;

import io.durability.recover.SegmentIndexState;
import io.durability.walog.WalEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An independent reference model of the seed's segment-index semantics (written separately from
 * RecoveryManager so the two can disagree), and a seeded generator of WalEntry workloads.
 */
public final class SegmentIndexModel
{
    private final TreeMap<Long, Long> docCounts = new TreeMap<>();
    private final TreeMap<Long, TreeSet<Long>> deleted = new TreeMap<>();

    /** Apply one entry. */
    public void apply(final WalEntry e)
    {
        if (e instanceof WalEntry.AddSegment a)
        {
            docCounts.put(a.segmentId(), a.docCount());
            deleted.put(a.segmentId(), new TreeSet<>());
        }
        else if (e instanceof WalEntry.DeleteDocuments d)
        {
            for (final WalEntry.DocRef r : d.deletes())
            {
                if (deleted.containsKey(r.segmentId()))
                {
                    deleted.get(r.segmentId()).add(r.docId());
                }
            }
        }
        else if (e instanceof WalEntry.EndMerge m)
        {
            m.oldSegmentIds().forEach(id ->
            {
                docCounts.remove(id);
                deleted.remove(id);
            });
            docCounts.put(m.newSegmentId(), 0L);
            final TreeSet<Long> docs = new TreeSet<>();
            m.remappedDeletes().stream().filter(r -> r.segmentId() == m.newSegmentId())
                .forEach(r -> docs.add(r.docId()));
            deleted.put(m.newSegmentId(), docs);
        }
    }

    /** @return the model as the library's state type, for comparison. */
    public SegmentIndexState toState()
    {
        final List<SegmentIndexState.Segment> segments = new ArrayList<>();
        docCounts.forEach((id, count) -> segments.add(new SegmentIndexState.Segment(id, count, new ArrayList<>(deleted.get(id)))));
        return SegmentIndexState.of(segments);
    }

    /** @return the state after applying {@code entries} to an empty model. */
    public static SegmentIndexState of(final List<WalEntry> entries)
    {
        final SegmentIndexModel m = new SegmentIndexModel();
        entries.forEach(m::apply);
        return m.toState();
    }

    /** @return a random non-marker entry over a small id space (so deletes and merges hit). */
    public static WalEntry randomEntry(final SplittableRandom r)
    {
        final int kind = r.nextInt(10);
        if (kind < 4)
        {
            return new WalEntry.AddSegment(r.nextInt(12), r.nextInt(1000));
        }
        if (kind < 7)
        {
            final List<WalEntry.DocRef> refs = new ArrayList<>();
            for (int i = r.nextInt(4); i >= 0; i--)
            {
                refs.add(new WalEntry.DocRef(r.nextInt(12), r.nextInt(50)));
            }
            return new WalEntry.DeleteDocuments(refs);
        }
        if (kind == 7)
        {
            return new WalEntry.StartMerge(r.nextInt(100), List.of((long)r.nextInt(12), (long)r.nextInt(12)));
        }
        if (kind == 8)
        {
            return new WalEntry.CancelMerge(r.nextInt(100), List.of((long)r.nextInt(12)));
        }
        final long merged = 12 + r.nextInt(6);
        return new WalEntry.EndMerge(r.nextInt(100), merged, List.of((long)r.nextInt(12), (long)r.nextInt(12)),
            List.of(new WalEntry.DocRef(merged, r.nextInt(50)), new WalEntry.DocRef(r.nextInt(12), 1)));
    }
}
