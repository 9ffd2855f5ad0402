package io.durability.testing;

import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
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

    /**
     * What a process crash at this instant leaves: the bytes of every segment file of {@code walDir}
     * (the page cache survives the process). Restore them with {@link #restore} after closing the
     * writer, to undo what its clean {@code close()} wrote.
     */
    public static java.util.Map<String, byte[]> capture(final Directory dir, final String walDir)
    {
        final java.util.Map<String, byte[]> image = new java.util.TreeMap<>();
        for (final long id : io.durability.walog.WalLayout.segmentIds(dir, walDir))
        {
            final String path = io.durability.walog.WalLayout.segmentPath(walDir, id);
            image.put(path, read(dir, path, 0, (int)dir.fileLength(path)));
        }
        return image;
    }

    /**
     * Put back the bytes {@link #capture} took: segment files created since are deleted, and those
     * deleted since (the segment a writer named ahead, which its close deletes) are created again.
     */
    public static void restore(final Directory dir, final String walDir, final java.util.Map<String, byte[]> image)
    {
        for (final long id : io.durability.walog.WalLayout.segmentIds(dir, walDir))
        {
            final String path = io.durability.walog.WalLayout.segmentPath(walDir, id);
            if (!image.containsKey(path))
            {
                dir.delete(path);
            }
        }
        for (final java.util.Map.Entry<String, byte[]> e : image.entrySet())
        {
            if (!dir.exists(e.getKey()))
            {
                dir.createSegment(e.getKey(), e.getValue().length).close();
            }
            write(dir, e.getKey(), 0, e.getValue());
        }
    }

    /**
     * @return the path of the newest segment that holds data: the newest listed, or the one before it
     * when the newest was never initialized (a segment a writer named ahead, which a crash image keeps).
     */
    public static String finalSegment(final Directory dir, final String walDir)
    {
        final long[] ids = io.durability.walog.WalLayout.segmentIds(dir, walDir);
        String path = io.durability.walog.WalLayout.segmentPath(walDir, ids[ids.length - 1]);
        if (ids.length > 1 && java.util.Arrays.equals(read(dir, path, 0, 8), new byte[8]))
        {
            path = io.durability.walog.WalLayout.segmentPath(walDir, ids[ids.length - 2]);
        }
        return path;
    }

    /** The sector size torn writes are judged at. */
    public static final int SECTOR = 512;

    /**
     * A torn write of {@code frame}: the sector after the one holding its start never reached the
     * disk, so it reads as zeros (the segment was zero-filled). The frame must cross a sector boundary.
     */
    public static void tearFrame(final Directory dir, final String path, final FrameSpan frame)
    {
        final int boundary = (frame.offset() / SECTOR + 1) * SECTOR;
        if (boundary >= frame.offset() + frame.length())
        {
            throw new IllegalArgumentException("frame " + frame + " does not cross a sector boundary");
        }
        zero(dir, path, boundary, boundary + SECTOR);
    }

    /** The sector holding {@code offset} lost from {@code offset} on (its earlier bytes were already durable). */
    public static void loseSectorFrom(final Directory dir, final String path, final int offset)
    {
        zero(dir, path, offset, (offset / SECTOR + 1) * SECTOR);
    }

    /** @return the last frame of a healthy segment that crosses a 512-byte sector boundary, or {@code null}. */
    public static FrameSpan lastFrameCrossingASector(final Directory dir, final String path, final int kind)
    {
        FrameSpan found = null;
        for (final FrameSpan f : frames(dir, path, kind))
        {
            if (!f.seal() && f.offset() / SECTOR != (f.offset() + f.length() - 1) / SECTOR)
            {
                found = f;
            }
        }
        return found;
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
                h.startEntryId(), h.version());
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
