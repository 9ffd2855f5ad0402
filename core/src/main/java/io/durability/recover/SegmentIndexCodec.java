package io.durability.recover;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntry;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Deterministic checkpoint codec for {@link SegmentIndexState} (little-endian):
 * {@code n:u32, then per segment in id order: segmentId:u64 docCount:u32 m:u32 docId:u32 * m}
 * (doc ids ascending). Counts are checked against the remaining bytes before allocating. Encoding
 * and decoding walk the state's primitive storage: nothing is boxed, no intermediate collection is
 * built, and {@link #exactLength} sizes the output exactly (docs/FORMAT.md, "Checkpoint files").
 */
public final class SegmentIndexCodec implements Codec<SegmentIndexState>
{
    /** The shared instance (stateless). */
    public static final SegmentIndexCodec INSTANCE = new SegmentIndexCodec();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private SegmentIndexCodec()
    {
    }

    /** @return the exact encoded length of {@code value}: {@code 4 + 16 * segments + 4 * deleted docs}. */
    @Override
    public long exactLength(final SegmentIndexState value)
    {
        return 4 + 16L * value.segmentCount() + 4L * value.deletedDocCount();
    }

    @Override
    public int encode(final SegmentIndexState value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        if (exactLength(value) > maxLength)
        {
            return DOES_NOT_FIT;
        }
        final LongChunks segments = value.segments;
        int p = offset;
        buffer.putInt(p, segments.size, LE);
        p += 4;
        for (int c = 0; c < segments.chunkCount; c++)
        {
            final long[] ids = segments.keys[c];
            final long[] counts = segments.vals[c];
            final Object[] deleted = segments.refs[c];
            for (int i = 0, n = segments.sizes[c]; i < n; i++)
            {
                final Object docs = deleted[i];
                buffer.putLong(p, ids[i], LE);
                buffer.putInt(p + 8, (int)u32(counts[i]), LE);
                buffer.putInt(p + 12, SegmentIndexState.count(docs), LE);
                p += 16;
                if (docs instanceof long[] small)
                {
                    for (final long d : small)
                    {
                        buffer.putInt(p, (int)u32(d), LE);
                        p += 4;
                    }
                }
                else if (docs != null)
                {
                    final LongChunks big = (LongChunks)docs;
                    for (int dc = 0; dc < big.chunkCount; dc++)
                    {
                        final long[] d = big.keys[dc];
                        for (int j = 0, m = big.sizes[dc]; j < m; j++)
                        {
                            buffer.putInt(p, (int)u32(d[j]), LE);
                            p += 4;
                        }
                    }
                }
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
        final LongChunks segments = new LongChunks(true, true, (int)n);
        long deletedTotal = 0;
        long previous = -1;
        long left = n;
        while (left > 0)
        {
            final int chunkSize = (int)Math.min(left, LongChunks.CHUNK);
            final int c = segments.appendChunk(chunkSize);
            final long[] ids = segments.keys[c];
            final long[] counts = segments.vals[c];
            final Object[] deleted = segments.refs[c];
            for (int i = 0; i < chunkSize; i++)
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
                ids[i] = id;
                counts[i] = docCount;
                if (m > 0)
                {
                    deleted[i] = m <= SegmentIndexState.SMALL ? smallDocs(buffer, offset, p, (int)m) :
                        bigDocs(buffer, offset, p, (int)m);
                    p += 4 * (int)m;
                    deletedTotal += m;
                }
                previous = id;
            }
            left -= chunkSize;
        }
        if (p != length)
        {
            throw DurabilityException.decode("trailing bytes after segment index state", p, length, p);
        }
        final SegmentIndexState state = new SegmentIndexState(segments);
        state.deletedTotal = deletedTotal;
        return state;
    }

    private static long[] smallDocs(final DirectBuffer buffer, final int offset, final int at, final int m)
    {
        final long[] docs = new long[m];
        readAscendingDocs(buffer, offset, at, docs, m, -1);
        return docs;
    }

    private static LongChunks bigDocs(final DirectBuffer buffer, final int offset, final int at, final int m)
    {
        final LongChunks docs = new LongChunks(false, false, m);
        long prevDoc = -1;
        int p = at;
        int left = m;
        while (left > 0)
        {
            final int chunkSize = Math.min(left, LongChunks.CHUNK);
            prevDoc = readAscendingDocs(buffer, offset, p, docs.keys[docs.appendChunk(chunkSize)], chunkSize, prevDoc);
            p += 4 * chunkSize;
            left -= chunkSize;
        }
        return docs;
    }

    /**
     * Read {@code count} unsigned 32-bit doc ids from {@code at} into {@code into}, each above the one
     * before it (the first above {@code prevDoc}).
     *
     * @return the last id read.
     */
    private static long readAscendingDocs(
        final DirectBuffer buffer, final int offset, final int at, final long[] into, final int count, final long prevDoc)
    {
        long prev = prevDoc;
        int p = at;
        for (int j = 0; j < count; j++)
        {
            final long d = buffer.getInt(offset + p, LE) & 0xFFFF_FFFFL;
            if (d <= prev)
            {
                throw DurabilityException.decode("deleted doc ids must be ascending", p, "> " + prev, d);
            }
            into[j] = d;
            prev = d;
            p += 4;
        }
        return prev;
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
