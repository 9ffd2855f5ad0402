package io.durability.recover;

import java.util.Arrays;

/**
 * A sorted set of distinct {@code long} keys (signed order), optionally with a {@code long} value and
 * an object per key, kept in chunks of at most {@link #CHUNK} ascending keys: lookup is two binary
 * searches, appending a key above every other is amortised O(1), inserting or removing elsewhere
 * moves at most one chunk's entries. Readers walk {@link #keys}, {@link #vals}, {@link #refs} and
 * {@link #sizes} directly, chunk by chunk, in key order. Not thread-safe; reads do not modify it.
 *
 * <p>A position is {@code chunk << 32 | index}; {@link #search} returns it, or {@code -(insertion
 * position) - 1}.
 */
final class LongChunks
{
    /** The most keys a chunk holds. */
    static final int CHUNK = 512;

    private final boolean hasVals;
    private final boolean hasRefs;
    long[][] keys;
    long[][] vals;
    Object[][] refs;
    int[] sizes;
    int chunkCount;
    int size;

    LongChunks(final boolean hasVals, final boolean hasRefs, final int expectedSize)
    {
        this.hasVals = hasVals;
        this.hasRefs = hasRefs;
        final int chunks = Math.max(1, (int)((expectedSize + (long)CHUNK - 1) / CHUNK));
        keys = new long[chunks][];
        vals = hasVals ? new long[chunks][] : null;
        refs = hasRefs ? new Object[chunks][] : null;
        sizes = new int[chunks];
    }

    /** A copy: its own arrays; the objects in {@link #refs} are shared. */
    LongChunks copy()
    {
        final LongChunks c = new LongChunks(hasVals, hasRefs, chunkCount * CHUNK);
        for (int i = 0; i < chunkCount; i++)
        {
            final int n = sizes[i];
            c.keys[i] = Arrays.copyOf(keys[i], n);
            if (hasVals)
            {
                c.vals[i] = Arrays.copyOf(vals[i], n);
            }
            if (hasRefs)
            {
                c.refs[i] = Arrays.copyOf(refs[i], n);
            }
            c.sizes[i] = n;
        }
        c.chunkCount = chunkCount;
        c.size = size;
        return c;
    }

    static int chunk(final long pos)
    {
        return (int)(pos >>> 32);
    }

    static int index(final long pos)
    {
        return (int)pos;
    }

    private static long pos(final int chunk, final int index)
    {
        return (long)chunk << 32 | index;
    }

    /** @return the position of {@code key}, or {@code -(insertion position) - 1}. */
    long search(final long key)
    {
        if (chunkCount == 0)
        {
            return -1;
        }
        int lo = 0;
        int hi = chunkCount - 1;
        while (lo < hi)
        {
            final int mid = (lo + hi + 1) >>> 1;
            if (keys[mid][0] <= key)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        final int i = Arrays.binarySearch(keys[lo], 0, sizes[lo], key);
        return i >= 0 ? pos(lo, i) : -pos(lo, -i - 1) - 1;
    }

    long lastKey()
    {
        return keys[chunkCount - 1][sizes[chunkCount - 1] - 1];
    }

    long val(final long pos)
    {
        return vals[chunk(pos)][index(pos)];
    }

    Object ref(final long pos)
    {
        return refs[chunk(pos)][index(pos)];
    }

    void setVal(final long pos, final long val)
    {
        vals[chunk(pos)][index(pos)] = val;
    }

    void setRef(final long pos, final Object ref)
    {
        refs[chunk(pos)][index(pos)] = ref;
    }

    /** Adds a key (no value, no object). @return whether it was absent. */
    boolean add(final long key)
    {
        if (size == 0 || key > lastKey())
        {
            append(key, 0, null);
            return true;
        }
        final long p = search(key);
        if (p >= 0)
        {
            return false;
        }
        insert(-p - 1, key, 0, null);
        return true;
    }

    /** Appends a key greater than every key present (the caller checks). */
    void append(final long key, final long val, final Object ref)
    {
        int c = chunkCount - 1;
        if (c < 0 || sizes[c] == CHUNK)
        {
            c = newChunk(chunkCount, 4);
        }
        final int i = sizes[c];
        ensureRoom(c, i + 1);
        keys[c][i] = key;
        if (hasVals)
        {
            vals[c][i] = val;
        }
        if (hasRefs)
        {
            refs[c][i] = ref;
        }
        sizes[c] = i + 1;
        size++;
    }

    /** Inserts a key at an insertion position {@link #search} returned (decoded). */
    void insert(final long insertionPos, final long key, final long val, final Object ref)
    {
        int c = chunk(insertionPos);
        int i = index(insertionPos);
        if (chunkCount == 0)
        {
            append(key, val, ref);
            return;
        }
        if (sizes[c] == CHUNK)
        {
            // Split: the upper half moves to a new chunk after c.
            final int half = CHUNK / 2;
            final int next = newChunk(c + 1, CHUNK);
            System.arraycopy(keys[c], half, keys[next], 0, CHUNK - half);
            if (hasVals)
            {
                System.arraycopy(vals[c], half, vals[next], 0, CHUNK - half);
            }
            if (hasRefs)
            {
                System.arraycopy(refs[c], half, refs[next], 0, CHUNK - half);
                Arrays.fill(refs[c], half, CHUNK, null);
            }
            sizes[next] = CHUNK - half;
            sizes[c] = half;
            if (i > half)
            {
                c = next;
                i -= half;
            }
        }
        final int n = sizes[c];
        ensureRoom(c, n + 1);
        System.arraycopy(keys[c], i, keys[c], i + 1, n - i);
        keys[c][i] = key;
        if (hasVals)
        {
            System.arraycopy(vals[c], i, vals[c], i + 1, n - i);
            vals[c][i] = val;
        }
        if (hasRefs)
        {
            System.arraycopy(refs[c], i, refs[c], i + 1, n - i);
            refs[c][i] = ref;
        }
        sizes[c] = n + 1;
        size++;
    }

    /** Removes the key at a position {@link #search} found. */
    void remove(final long pos)
    {
        final int c = chunk(pos);
        final int i = index(pos);
        final int n = sizes[c] - 1;
        System.arraycopy(keys[c], i + 1, keys[c], i, n - i);
        if (hasVals)
        {
            System.arraycopy(vals[c], i + 1, vals[c], i, n - i);
        }
        if (hasRefs)
        {
            System.arraycopy(refs[c], i + 1, refs[c], i, n - i);
            refs[c][n] = null;
        }
        sizes[c] = n;
        size--;
        if (n == 0)
        {
            dropChunk(c);
        }
        else if (c + 1 < chunkCount && n + sizes[c + 1] <= CHUNK / 2)
        {
            mergeNext(c);
        }
        else if (c > 0 && n + sizes[c - 1] <= CHUNK / 2)
        {
            mergeNext(c - 1);
        }
    }

    private void mergeNext(final int c)
    {
        final int n = sizes[c];
        final int m = sizes[c + 1];
        ensureRoom(c, n + m);
        System.arraycopy(keys[c + 1], 0, keys[c], n, m);
        if (hasVals)
        {
            System.arraycopy(vals[c + 1], 0, vals[c], n, m);
        }
        if (hasRefs)
        {
            System.arraycopy(refs[c + 1], 0, refs[c], n, m);
        }
        sizes[c] = n + m;
        dropChunk(c + 1);
    }

    private void dropChunk(final int c)
    {
        final int tail = chunkCount - c - 1;
        System.arraycopy(keys, c + 1, keys, c, tail);
        System.arraycopy(sizes, c + 1, sizes, c, tail);
        if (hasVals)
        {
            System.arraycopy(vals, c + 1, vals, c, tail);
        }
        if (hasRefs)
        {
            System.arraycopy(refs, c + 1, refs, c, tail);
        }
        chunkCount--;
        keys[chunkCount] = null;
        sizes[chunkCount] = 0;
        if (hasVals)
        {
            vals[chunkCount] = null;
        }
        if (hasRefs)
        {
            refs[chunkCount] = null;
        }
    }

    /** Opens an empty chunk at index {@code c} with room for {@code capacity} keys. @return c. */
    private int newChunk(final int c, final int capacity)
    {
        if (chunkCount == keys.length)
        {
            final int grown = Math.max(4, keys.length * 2);
            keys = Arrays.copyOf(keys, grown);
            sizes = Arrays.copyOf(sizes, grown);
            if (hasVals)
            {
                vals = Arrays.copyOf(vals, grown);
            }
            if (hasRefs)
            {
                refs = Arrays.copyOf(refs, grown);
            }
        }
        final int tail = chunkCount - c;
        System.arraycopy(keys, c, keys, c + 1, tail);
        System.arraycopy(sizes, c, sizes, c + 1, tail);
        keys[c] = new long[capacity];
        sizes[c] = 0;
        if (hasVals)
        {
            System.arraycopy(vals, c, vals, c + 1, tail);
            vals[c] = new long[capacity];
        }
        if (hasRefs)
        {
            System.arraycopy(refs, c, refs, c + 1, tail);
            refs[c] = new Object[capacity];
        }
        chunkCount++;
        return c;
    }

    /** Decoding: appends a chunk of exactly {@code n} keys (ascending, above every key present) to fill. */
    int appendChunk(final int n)
    {
        final int c = newChunk(chunkCount, n);
        sizes[c] = n;
        size += n;
        return c;
    }

    private void ensureRoom(final int c, final int needed)
    {
        final int capacity = keys[c].length;
        if (needed <= capacity)
        {
            return;
        }
        final int grown = Math.min(CHUNK, Math.max(needed, capacity * 2));
        keys[c] = Arrays.copyOf(keys[c], grown);
        if (hasVals)
        {
            vals[c] = Arrays.copyOf(vals[c], grown);
        }
        if (hasRefs)
        {
            refs[c] = Arrays.copyOf(refs[c], grown);
        }
    }
}
