package io.durability.recordlog;

import io.durability.frame.SegmentDescriptor;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.testing.Damage;
import io.durability.walog.ReplayMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The record log's behaviour, run against every Directory implementation. */
public abstract class RecordLogContractTest
{
    private static final int KIND = SegmentDescriptor.KIND_RECORD_LOG;
    protected Directory dir;

    /** @return a fresh, empty directory. */
    protected abstract Directory newDirectory();

    @BeforeEach
    void openDirectory()
    {
        dir = newDirectory();
    }

    @AfterEach
    void closeDirectory()
    {
        dir.close();
    }

    static byte[] record(final int i)
    {
        return ("record-" + i + "|" + "y".repeat(i % 23)).getBytes(StandardCharsets.UTF_8);
    }

    private void assertRecords(final List<byte[]> records, final int count)
    {
        assertEquals(count, records.size());
        for (int i = 0; i < count; i++)
        {
            assertArrayEquals(record(i + 1), records.get(i), "record " + (i + 1));
        }
    }

    @Test
    void appendAndReadBack()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "log/records", 8192))
        {
            for (int i = 1; i <= 20; i++)
            {
                assertEquals(i, w.append(record(i)));
            }
            assertEquals(20, w.lastSequence());
            w.flush();
        }
        assertRecords(RecordLogReader.read(dir, "log/records", ReplayMode.STRICT), 20);
    }

    @Test
    void reopenContinuesSequence()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 8192))
        {
            w.append(record(1));
        }
        try (RecordLogWriter w = RecordLogWriter.open(dir, "records", 8192))
        {
            assertEquals(1, w.lastSequence());
            assertEquals(2, w.append(record(2)));
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), 2);
    }

    @Test
    void fullLogIsAnInvalidStateAndLosesNothing()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 256))
        {
            int n = 0;
            while (w.available() >= record(n + 1).length)
            {
                w.append(record(++n));
            }
            final int appended = n;
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> w.append(new byte[200]));
            assertEquals(Kind.INVALID_STATE, ex.kind());
            assertTrue(ex.getMessage().contains("full"), ex.getMessage());
            assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), appended);
        }
    }

    @Test
    void tornTailIsCutByBestEffortAndRepairedByOpen()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 8192))
        {
            for (int i = 1; i <= 10; i++)
            {
                w.append(record(i));
            }
        }
        final List<Damage.FrameSpan> frames = Damage.frames(dir, "records", KIND);
        final Damage.FrameSpan victim = frames.get(7);
        Damage.zero(dir, "records", victim.offset() + 24, victim.offset() + victim.length());
        assertThrows(CrcMismatchException.class, () -> RecordLogReader.read(dir, "records", ReplayMode.STRICT));
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.BEST_EFFORT), 7);
        try (RecordLogWriter w = RecordLogWriter.open(dir, "records", 8192))
        {
            assertEquals(7, w.lastSequence());
            assertEquals(8, w.append(record(8)));
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), 8);
    }

    @Test
    void tornHeaderOfAnEmptyLogIsToleratedByBestEffortOnly()
    {
        RecordLogWriter.create(dir, "records", 1024).close();
        Damage.flipByte(dir, "records", SegmentDescriptor.SEGMENT_ID_OFFSET);
        assertEquals(Kind.CRC_MISMATCH, assertThrows(DurabilityException.class,
            () -> RecordLogReader.read(dir, "records", ReplayMode.STRICT)).kind());
        assertEquals(0, RecordLogReader.read(dir, "records", ReplayMode.BEST_EFFORT).size());
        try (RecordLogWriter w = RecordLogWriter.open(dir, "records", 1024))
        {
            assertEquals(1, w.append(record(1)));
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), 1);
    }

    @Test
    void corruptHeaderWithRecordsAfterItIsAnError()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 1024))
        {
            w.append(record(1));
        }
        Damage.flipByte(dir, "records", SegmentDescriptor.SEGMENT_ID_OFFSET);
        assertEquals(Kind.CRC_MISMATCH, assertThrows(DurabilityException.class,
            () -> RecordLogReader.read(dir, "records", ReplayMode.BEST_EFFORT)).kind());
    }

    @Test
    void walSegmentIsNotARecordLog()
    {
        try (var w = io.durability.walog.WalWriter.create(dir, io.durability.codec.BytesCodec.INSTANCE))
        {
            w.append(new byte[] {1});
        }
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> RecordLogReader.read(dir, "wal/wal-1.seg", ReplayMode.STRICT));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("kind"), ex.getMessage());
    }

    @Test
    void secondWriterIsRefused()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 1024))
        {
            assertEquals(Kind.LOCK_FAILED,
                assertThrows(DurabilityException.class, () -> RecordLogWriter.open(dir, "records", 1024)).kind());
        }
    }

    @Test
    void flushAndSyncIsDurableOrNotSupported()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 1024))
        {
            w.append(record(1));
            if (dir.supportsDurability())
            {
                w.flushAndSync();
                w.append(record(2));
                w.flushAndSync();
            }
            else
            {
                assertEquals(Kind.NOT_SUPPORTED, assertThrows(DurabilityException.class, w::flushAndSync).kind());
                w.append(record(2));
            }
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), 2);
    }
}
