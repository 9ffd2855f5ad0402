package io.durability.internal.frame;

import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A reader beside a live writer: the writer's commit of a frame (one 8-byte release store of length
 * and CRC) may land between any two loads of the reader. Here it lands right after the reader's first
 * load of the frame's commit word; the reader must then see the end of data (a consistent prefix),
 * never a false error. With two 4-byte loads it saw "length 0, CRC set" and called the WAL corrupt
 * (the cross-process LiveReaderTest failure in CI).
 */
class CommitBesideReaderTest
{
    /** A view of the segment whose first load touching {@code [slot, slot + 8)} commits the frame there, after the load. */
    private static final class CommitAfterFirstLoad extends UnsafeBuffer
    {
        private final int slot;
        private final long commitWord;
        private boolean committed;
        int loadsOfSlot;

        CommitAfterFirstLoad(final ByteBuffer memory, final int slot, final long commitWord)
        {
            super(memory);
            this.slot = slot;
            this.commitWord = commitWord;
        }

        private void afterLoad(final int index)
        {
            if (index >= slot && index < slot + 8)
            {
                loadsOfSlot++;
                if (!committed)
                {
                    committed = true;
                    putLongRelease(slot, commitWord);
                }
            }
        }

        @Override
        public int getIntVolatile(final int index)
        {
            final int v = super.getIntVolatile(index);
            afterLoad(index);
            return v;
        }

        @Override
        public long getLongVolatile(final int index)
        {
            final long v = super.getLongVolatile(index);
            afterLoad(index);
            return v;
        }

        @Override
        public int getInt(final int index)
        {
            final int v = super.getInt(index);
            afterLoad(index);
            return v;
        }

        @Override
        public long getLong(final int index)
        {
            final long v = super.getLong(index);
            afterLoad(index);
            return v;
        }
    }

    @Test
    void aCommitBetweenTheReadersLoadsEndsTheDataThereAndTheNextScanSeesTheFrame()
    {
        final MemoryDirectory dir = new MemoryDirectory();
        try (SegmentFile f = dir.createSegment("wal/wal-1.seg", 4096))
        {
            final SegmentAppender a = SegmentAppender.create(f, SegmentDescriptor.KIND_WAL_SEGMENT, 1, 1, 0x2468ACE1);
            append(a, f, "first");
            final int second = append(a, f, "second, in flight");
            // Take the second frame back to "payload and header fields written, not committed".
            final long commitWord = f.buffer().getLongVolatile(second);
            assertNotEquals(0, FrameDescriptor.crcOf(commitWord));
            assertEquals(FrameDescriptor.HEADER_LENGTH + 17, FrameDescriptor.lengthOf(commitWord));
            f.buffer().putLong(second, 0L);

            final UnsafeBuffer snapshot = SegmentHeader.snapshot(f.buffer());
            final Crc32cRange crc = new Crc32cRange();
            crc.wrap(snapshot.byteBuffer());
            final SegmentHeader header = SegmentHeader.read(snapshot, crc, "wal/wal-1.seg", SegmentDescriptor.KIND_WAL_SEGMENT);
            final CommitAfterFirstLoad live = new CommitAfterFirstLoad(f.byteBuffer(), second, commitWord);
            final SegmentScanner scanner = new SegmentScanner().wrap(live, f.byteBuffer(), "wal/wal-1.seg", header, 4096);
            assertEquals(SegmentScanner.FRAME, scanner.next());
            assertEquals(1, scanner.cursor().entryId());
            final int r = scanner.next();
            assertEquals(SegmentScanner.END, r, () -> "a commit beside the reader read as " + r + ": " + scanner.problem());
            assertEquals(second, scanner.endOffset());
            assertEquals(2, scanner.nextEntryId());
            assertTrue(live.loadsOfSlot >= 1);

            final SegmentScanner again = new SegmentScanner().wrap(f.buffer(), f.byteBuffer(), "wal/wal-1.seg", header, 4096);
            assertEquals(SegmentScanner.FRAME, again.next());
            assertEquals(SegmentScanner.FRAME, again.next());
            assertEquals(2, again.cursor().entryId());
            assertEquals(SegmentScanner.END, again.next());
        }
    }

    private static int append(final SegmentAppender a, final SegmentFile f, final String text)
    {
        final byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        final int frame = a.claim(payload.length);
        f.buffer().putBytes(SegmentAppender.payloadOffset(frame), payload);
        a.commit(frame, payload.length);
        return frame;
    }
}
