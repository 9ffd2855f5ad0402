package io.durability.recover;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntry;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic checkpoint codec for {@link SegmentIndexState} (little-endian):
 * {@code n:u32, then per segment in id order: segmentId:u64 docCount:u32 m:u32 docId:u32 * m}
 * (doc ids ascending). Counts are checked against the remaining bytes before allocating.
 */
public final class SegmentIndexCodec implements Codec<SegmentIndexState>
{
    /** The shared instance (stateless). */
    public static final SegmentIndexCodec INSTANCE = new SegmentIndexCodec();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private SegmentIndexCodec()
    {
    }

    @Override
    public int encode(final SegmentIndexState value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        final List<SegmentIndexState.Segment> segments = value.segments();
        long length = 4;
        for (final SegmentIndexState.Segment s : segments)
        {
            length += 16 + 4L * s.deletedDocs().size();
        }
        if (length > maxLength)
        {
            return DOES_NOT_FIT;
        }
        int p = offset;
        buffer.putInt(p, segments.size(), LE);
        p += 4;
        for (final SegmentIndexState.Segment s : segments)
        {
            buffer.putLong(p, s.segmentId(), LE);
            buffer.putInt(p + 8, (int)u32(s.docCount()), LE);
            buffer.putInt(p + 12, s.deletedDocs().size(), LE);
            p += 16;
            for (final long d : s.deletedDocs())
            {
                buffer.putInt(p, (int)u32(d), LE);
                p += 4;
            }
        }
        return p - offset;
    }

    private static long u32(final long v)
    {
        if (v < 0 || v > WalEntry.MAX_U32)
        {
            throw DurabilityException.encode("value does not fit in an unsigned 32-bit field", "0..4294967295", v);
        }
        return v;
    }

    @Override
    public SegmentIndexState decode(final DirectBuffer buffer, final int offset, final int length)
    {
        int p = 0;
        final long n = u32At(buffer, offset, length, p, "segment count");
        p += 4;
        if (n * 16 > length - p)
        {
            throw DurabilityException.decode("segment count larger than the payload allows", p - 4, "<= " +
                (length - p) / 16, n);
        }
        final List<SegmentIndexState.Segment> segments = new ArrayList<>((int)n);
        long previous = -1;
        for (long i = 0; i < n; i++)
        {
            if (length - p < 16)
            {
                throw DurabilityException.decode("payload too short for a segment", p, 16, length - p);
            }
            final long id = buffer.getLong(offset + p, LE);
            final long docCount = buffer.getInt(offset + p + 8, LE) & 0xFFFF_FFFFL;
            final long m = buffer.getInt(offset + p + 12, LE) & 0xFFFF_FFFFL;
            if (id < 0 || id <= previous)
            {
                throw DurabilityException.decode("segment ids must be non-negative and ascending", p, "> " + previous, id);
            }
            p += 16;
            if (m * 4 > length - p)
            {
                throw DurabilityException.decode("delete count larger than the payload allows", p - 4,
                    "<= " + (length - p) / 4, m);
            }
            final List<Long> docs = new ArrayList<>((int)m);
            long prevDoc = -1;
            for (long j = 0; j < m; j++)
            {
                final long d = buffer.getInt(offset + p, LE) & 0xFFFF_FFFFL;
                if (d <= prevDoc)
                {
                    throw DurabilityException.decode("deleted doc ids must be ascending", p, "> " + prevDoc, d);
                }
                docs.add(d);
                prevDoc = d;
                p += 4;
            }
            segments.add(new SegmentIndexState.Segment(id, docCount, docs));
            previous = id;
        }
        if (p != length)
        {
            throw DurabilityException.decode("trailing bytes after segment index state", p, length, p);
        }
        return SegmentIndexState.of(segments);
    }

    private static long u32At(final DirectBuffer buffer, final int offset, final int length, final int p, final String what)
    {
        if (length - p < 4)
        {
            throw DurabilityException.decode("payload too short for " + what, p, 4, length - p);
        }
        return buffer.getInt(offset + p, LE) & 0xFFFF_FFFFL;
    }
}
