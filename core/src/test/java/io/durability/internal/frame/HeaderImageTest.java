package io.durability.internal.frame;

import io.durability.storage.MemoryDirectory;
import io.durability.storage.SegmentFile;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A header written by {@link SegmentAppender#prepare} then {@link SegmentAppender#begin} (its CRC
 * corrected for the first entry id by a table, no checksum pass) is the header a plain CRC of the
 * written bytes accepts, for ids of every size; and a prepared segment stays all zeros until begin.
 */
class HeaderImageTest
{
    @Test
    void theCorrectedCrcIsTheCrcOfTheWrittenHeaderForEveryIdSize()
    {
        final long seed = Long.getLong("seed", 20261207L);
        final SplittableRandom random = new SplittableRandom(seed);
        final MemoryDirectory dir = new MemoryDirectory();
        final Crc32cRange crc = new Crc32cRange();
        for (int i = 0; i < 400; i++)
        {
            final int bits = i % 64;
            final long id = i < 4 ? new long[] {0, 1, Long.MAX_VALUE, -1L}[i] :
                (random.nextLong() >>> (63 - bits)) | 1L << bits >>> 1;
            final int salt = random.nextInt() | 1;
            try (SegmentFile file = dir.createSegment("s-" + i, 4096))
            {
                final SegmentAppender a = SegmentAppender.prepare(file, SegmentDescriptor.KIND_WAL_SEGMENT,
                    random.nextLong(1, Long.MAX_VALUE), salt, random.nextInt(4));
                for (int b = 0; b < SegmentDescriptor.HEADER_LENGTH; b += 8)
                {
                    assertEquals(0, file.buffer().getLong(b), "prepared: nothing written; seed=" + seed);
                }
                a.begin(id);
                crc.wrap(file.byteBuffer());
                assertEquals(crc.headerCrc(SegmentDescriptor.FORMAT_VERSION),
                    file.buffer().getInt(SegmentDescriptor.HEADER_CRC_OFFSET), "id " + id + "; seed=" + seed);
                assertEquals(crc.computeInts(0, salt), file.buffer().getInt(SegmentDescriptor.WATERMARK_CHECK_OFFSET));
                assertEquals(id, file.buffer().getLong(SegmentDescriptor.START_ENTRY_ID_OFFSET));
                assertEquals(SegmentDescriptor.MAGIC, file.buffer().getLong(SegmentDescriptor.MAGIC_OFFSET));
                assertEquals(id, a.nextEntryId());
            }
        }
    }
}
