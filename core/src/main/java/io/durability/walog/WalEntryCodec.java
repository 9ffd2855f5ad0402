package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic binary codec for {@link WalEntry}; all integers little-endian.
 *
 * <pre>
 *  tag:u8 then, by tag:
 *   1 AddSegment       segmentId:u64 docCount:u32
 *   2 StartMerge       transactionId:u64 n:u32 segmentId:u64 * n
 *   3 CancelMerge      transactionId:u64 n:u32 segmentId:u64 * n
 *   4 EndMerge         transactionId:u64 newSegmentId:u64 n:u32 oldSegmentId:u64 * n
 *                      m:u32 (segmentId:u64 docId:u32) * m
 *   5 DeleteDocuments  m:u32 (segmentId:u64 docId:u32) * m
 *   6 Checkpoint       lastEntryId:u64 len:u32 path:UTF-8 * len
 * </pre>
 *
 * <p>Decoding checks every count against the bytes that remain before allocating, rejects unknown
 * tags, malformed UTF-8 and trailing bytes, and throws only {@link DurabilityException} (DECODE).
 */
public final class WalEntryCodec implements Codec<WalEntry>
{
    /** The shared instance (stateless). */
    public static final WalEntryCodec INSTANCE = new WalEntryCodec();

    /**
     * This codec's {@link Codec#id() id}, recorded in the header of every segment it writes: {@code 1}
     * (ids 1..65535 are reserved for the codecs shipped with durability; docs/FORMAT.md).
     */
    public static final int ID = 1;

    static final int TAG_ADD_SEGMENT = 1;
    static final int TAG_START_MERGE = 2;
    static final int TAG_CANCEL_MERGE = 3;
    static final int TAG_END_MERGE = 4;
    static final int TAG_DELETE_DOCUMENTS = 5;
    static final int TAG_CHECKPOINT = 6;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int DOC_REF_LENGTH = 12;

    private WalEntryCodec()
    {
    }

    /** @return {@link #ID}. */
    @Override
    public int id()
    {
        return ID;
    }

    /** @return the exact number of bytes {@code entry} encodes to. */
    public static int encodedLength(final WalEntry entry)
    {
        if (entry instanceof WalEntry.AddSegment)
        {
            return 1 + 8 + 4;
        }
        if (entry instanceof WalEntry.StartMerge e)
        {
            return 1 + 8 + 4 + 8 * e.segmentIds().size();
        }
        if (entry instanceof WalEntry.CancelMerge e)
        {
            return 1 + 8 + 4 + 8 * e.segmentIds().size();
        }
        if (entry instanceof WalEntry.EndMerge e)
        {
            return 1 + 8 + 8 + 4 + 8 * e.oldSegmentIds().size() + 4 + DOC_REF_LENGTH * e.remappedDeletes().size();
        }
        if (entry instanceof WalEntry.DeleteDocuments e)
        {
            return 1 + 4 + DOC_REF_LENGTH * e.deletes().size();
        }
        final WalEntry.Checkpoint c = (WalEntry.Checkpoint)entry;
        return 1 + 8 + 4 + c.checkpointPath().getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public int encode(final WalEntry entry, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        final int length = encodedLength(entry);
        if (length > maxLength)
        {
            return DOES_NOT_FIT;
        }
        int p = offset;
        if (entry instanceof WalEntry.AddSegment e)
        {
            buffer.putByte(p++, (byte)TAG_ADD_SEGMENT);
            buffer.putLong(p, nonNegative("segmentId", e.segmentId()), LE);
            buffer.putInt(p + 8, (int)u32("docCount", e.docCount()), LE);
            p += 12;
        }
        else if (entry instanceof WalEntry.StartMerge e)
        {
            buffer.putByte(p++, (byte)TAG_START_MERGE);
            buffer.putLong(p, nonNegative("transactionId", e.transactionId()), LE);
            p = putIds(buffer, p + 8, e.segmentIds());
        }
        else if (entry instanceof WalEntry.CancelMerge e)
        {
            buffer.putByte(p++, (byte)TAG_CANCEL_MERGE);
            buffer.putLong(p, nonNegative("transactionId", e.transactionId()), LE);
            p = putIds(buffer, p + 8, e.segmentIds());
        }
        else if (entry instanceof WalEntry.EndMerge e)
        {
            buffer.putByte(p++, (byte)TAG_END_MERGE);
            buffer.putLong(p, nonNegative("transactionId", e.transactionId()), LE);
            buffer.putLong(p + 8, nonNegative("newSegmentId", e.newSegmentId()), LE);
            p = putIds(buffer, p + 16, e.oldSegmentIds());
            p = putDocRefs(buffer, p, e.remappedDeletes());
        }
        else if (entry instanceof WalEntry.DeleteDocuments e)
        {
            buffer.putByte(p++, (byte)TAG_DELETE_DOCUMENTS);
            p = putDocRefs(buffer, p, e.deletes());
        }
        else
        {
            final WalEntry.Checkpoint c = (WalEntry.Checkpoint)entry;
            final byte[] path = c.checkpointPath().getBytes(StandardCharsets.UTF_8);
            buffer.putByte(p++, (byte)TAG_CHECKPOINT);
            buffer.putLong(p, nonNegative("lastEntryId", c.lastEntryId()), LE);
            buffer.putInt(p + 8, path.length, LE);
            buffer.putBytes(p + 12, path);
            p += 12 + path.length;
        }
        return p - offset;
    }

    private static int putIds(final MutableDirectBuffer buffer, final int offset, final List<Long> ids)
    {
        buffer.putInt(offset, ids.size(), LE);
        int p = offset + 4;
        for (int i = 0; i < ids.size(); i++)
        {
            buffer.putLong(p, nonNegative("segmentId", ids.get(i)), LE);
            p += 8;
        }
        return p;
    }

    private static int putDocRefs(final MutableDirectBuffer buffer, final int offset, final List<WalEntry.DocRef> refs)
    {
        buffer.putInt(offset, refs.size(), LE);
        int p = offset + 4;
        for (int i = 0; i < refs.size(); i++)
        {
            final WalEntry.DocRef r = refs.get(i);
            buffer.putLong(p, nonNegative("segmentId", r.segmentId()), LE);
            buffer.putInt(p + 8, (int)u32("docId", r.docId()), LE);
            p += DOC_REF_LENGTH;
        }
        return p;
    }

    private static long nonNegative(final String field, final long value)
    {
        if (value < 0)
        {
            throw DurabilityException.encode(field + " must not be negative", ">= 0", value);
        }
        return value;
    }

    private static long u32(final String field, final long value)
    {
        if (value < 0 || value > WalEntry.MAX_U32)
        {
            throw DurabilityException.encode(field + " must fit in an unsigned 32-bit integer", "0..4294967295", value);
        }
        return value;
    }

    /**
     * Whether a payload in place is a {@link WalEntry.Checkpoint} marker, from its tag byte alone
     * (a {@link io.durability.walog.FrameFilter}; the payload is not otherwise checked: decode it for
     * that).
     */
    public static boolean isCheckpointFrame(final long entryId, final DirectBuffer buffer, final int offset, final int length)
    {
        return length > 0 && (buffer.getByte(offset) & 0xFF) == TAG_CHECKPOINT;
    }

    @Override
    public WalEntry decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final Reader r = new Reader(buffer, offset, length);
        final int tag = r.u8();
        final WalEntry entry;
        switch (tag)
        {
            case TAG_ADD_SEGMENT:
                entry = new WalEntry.AddSegment(r.u64("segmentId"), r.u32());
                break;
            case TAG_START_MERGE:
                entry = new WalEntry.StartMerge(r.u64("transactionId"), r.ids());
                break;
            case TAG_CANCEL_MERGE:
                entry = new WalEntry.CancelMerge(r.u64("transactionId"), r.ids());
                break;
            case TAG_END_MERGE:
            {
                final long tx = r.u64("transactionId");
                final long newSegment = r.u64("newSegmentId");
                final List<Long> old = r.ids();
                entry = new WalEntry.EndMerge(tx, newSegment, old, r.docRefs());
                break;
            }
            case TAG_DELETE_DOCUMENTS:
                entry = new WalEntry.DeleteDocuments(r.docRefs());
                break;
            case TAG_CHECKPOINT:
            {
                final long last = r.u64("lastEntryId");
                entry = new WalEntry.Checkpoint(r.utf8(), last);
                break;
            }
            default:
                throw DurabilityException.decode("unknown WalEntry tag", 0, "1..6", tag);
        }
        if (r.remaining() != 0)
        {
            throw DurabilityException.decode("trailing bytes after WalEntry", r.position(), "end of payload",
                r.remaining() + " more bytes");
        }
        return entry;
    }

    /** Bounds-checked cursor over a payload; every failure is a DECODE error. */
    private static final class Reader
    {
        private final DirectBuffer buffer;
        private final int base;
        private final int length;
        private int p;

        Reader(final DirectBuffer buffer, final int base, final int length)
        {
            this.buffer = buffer;
            this.base = base;
            this.length = length;
        }

        int remaining()
        {
            return length - p;
        }

        int position()
        {
            return p;
        }

        private void need(final long n, final String what)
        {
            if (n > remaining())
            {
                throw DurabilityException.decode("payload too short for " + what, p, n + " bytes", remaining() + " bytes");
            }
        }

        int u8()
        {
            need(1, "tag");
            return buffer.getByte(base + p++) & 0xFF;
        }

        long u64(final String what)
        {
            need(8, what);
            final long v = buffer.getLong(base + p, LE);
            if (v < 0)
            {
                throw DurabilityException.decode(what + " out of range", p, ">= 0", Long.toUnsignedString(v));
            }
            p += 8;
            return v;
        }

        long u32()
        {
            need(4, "u32");
            final long v = buffer.getInt(base + p, LE) & 0xFFFF_FFFFL;
            p += 4;
            return v;
        }

        private int count(final int elementSize, final String what)
        {
            final long n = u32();
            need(n * elementSize, n + " " + what);
            return (int)n;
        }

        List<Long> ids()
        {
            final int n = count(8, "segment ids");
            final List<Long> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                ids.add(u64("segmentId"));
            }
            return ids;
        }

        List<WalEntry.DocRef> docRefs()
        {
            final int n = count(DOC_REF_LENGTH, "doc refs");
            final List<WalEntry.DocRef> refs = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                refs.add(new WalEntry.DocRef(u64("segmentId"), u32()));
            }
            return refs;
        }

        String utf8()
        {
            final int n = count(1, "path bytes");
            final byte[] bytes = new byte[n];
            buffer.getBytes(base + p, bytes);
            p += n;
            try
            {
                return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            }
            catch (final CharacterCodingException ex)
            {
                throw DurabilityException.decode("checkpoint path is not valid UTF-8", p - n, "UTF-8", "malformed bytes");
            }
        }
    }
}
