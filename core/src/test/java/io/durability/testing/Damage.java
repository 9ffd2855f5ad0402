package io.durability.testing;

import io.durability.frame.FrameCursor;
import io.durability.frame.Crc32cRange;
import io.durability.frame.SegmentDescriptor;
import io.durability.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;

/** Test helpers that damage files through the Directory contract, the way a crash or bit rot would. */
public final class Damage
{
    private Damage()
    {
    }

    /** Flip bits of one byte. */
    public static void flipByte(final Directory dir, final String path, final int offset)
    {
        try (SegmentFile f = dir.openSegment(path, true))
        {
            f.buffer().putByte(offset, (byte)(f.buffer().getByte(offset) ^ 0x5A));
        }
    }

    /** Zero {@code [from, to)} (as unsynced pages lost at power cut in a preallocated file). */
    public static void zero(final Directory dir, final String path, final int from, final int to)
    {
        try (SegmentFile f = dir.openSegment(path, true))
        {
            f.buffer().setMemory(from, Math.min(to, f.capacity()) - from, (byte)0);
        }
    }

    /** @return a copy of {@code [from, to)}. */
    public static byte[] read(final Directory dir, final String path, final int from, final int to)
    {
        try (SegmentFile f = dir.openSegment(path, false))
        {
            final byte[] bytes = new byte[to - from];
            f.buffer().getBytes(from, bytes);
            return bytes;
        }
    }

    /** Write {@code bytes} at {@code offset}. */
    public static void write(final Directory dir, final String path, final int offset, final byte[] bytes)
    {
        try (SegmentFile f = dir.openSegment(path, true))
        {
            f.buffer().putBytes(offset, bytes);
        }
    }

    /** A frame found in a healthy segment: [offset, offset + length). */
    public record FrameSpan(long entryId, int offset, int length, boolean seal)
    {
    }

    /** @return the frames of a healthy segment of the given kind, seal included. */
    public static List<FrameSpan> frames(final Directory dir, final String path, final int kind)
    {
        try (SegmentFile f = dir.openSegment(path, false))
        {
            final Crc32cRange crc = new Crc32cRange();
            crc.wrap(f.byteBuffer());
            final SegmentHeader h = SegmentHeader.read(f.buffer(), crc, path, kind);
            final FrameCursor c = new FrameCursor().wrap(f.buffer(), f.byteBuffer(), path, f.capacity(), h.salt(),
                h.startEntryId());
            final List<FrameSpan> spans = new ArrayList<>();
            while (true)
            {
                final int r = c.next();
                if (r == FrameCursor.FRAME)
                {
                    spans.add(new FrameSpan(c.entryId(), c.frameOffset(), c.payloadLength() + 24, false));
                }
                else if (r == FrameCursor.SEAL)
                {
                    spans.add(new FrameSpan(c.entryId(), c.frameOffset(), 24, true));
                    return spans;
                }
                else
                {
                    return spans;
                }
            }
        }
    }

    /** @return the offset where a healthy segment's data ends (after the last frame or the seal). */
    public static int dataEnd(final Directory dir, final String path, final int kind)
    {
        final List<FrameSpan> spans = frames(dir, path, kind);
        if (spans.isEmpty())
        {
            return SegmentDescriptor.HEADER_LENGTH;
        }
        final FrameSpan last = spans.get(spans.size() - 1);
        return last.offset() + ((last.length() + 7) & ~7);
    }
}
