package io.durability.recordlog;

import io.durability.internal.frame.SegmentDescriptor;
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
            assertEquals(20, w.lastEntryId());
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
            assertEquals(1, w.lastEntryId());
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
        final byte[] crashImage;
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 8192))
        {
            for (int i = 1; i <= 30; i++)
            {
                w.append(record(i));
            }
            crashImage = Damage.read(dir, "records", 0, 8192);
        }
        // A process crash, not a clean close: the writer's close would have protected every record.
        Damage.write(dir, "records", 0, crashImage);
        final Damage.FrameSpan victim = Damage.lastFrameCrossingASector(dir, "records", KIND);
        Damage.tearFrame(dir, "records", victim);
        final int kept = (int)victim.entryId() - 1;
        assertThrows(DurabilityException.class, () -> RecordLogReader.read(dir, "records", ReplayMode.STRICT));
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.BEST_EFFORT), kept);
        try (RecordLogWriter w = RecordLogWriter.open(dir, "records", 8192))
        {
            assertEquals(kept, w.lastEntryId());
            assertEquals(kept + 1, w.append(record(kept + 1)));
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), kept + 1);
    }

    @Test
    void damageAfterCloseIsCorruptionInEveryMode()
    {
        try (RecordLogWriter w = RecordLogWriter.create(dir, "records", 8192))
        {
            for (int i = 1; i <= 10; i++)
            {
                w.append(record(i));
            }
        }
        final Damage.FrameSpan victim = Damage.frames(dir, "records", KIND).get(9);
        Damage.flipByte(dir, "records", victim.offset() + victim.length() - 1);
        for (final ReplayMode mode : ReplayMode.values())
        {
            assertThrows(CrcMismatchException.class, () -> RecordLogReader.read(dir, "records", mode));
        }
        assertThrows(CrcMismatchException.class, () -> RecordLogWriter.open(dir, "records", 8192));
    }

    @Test
    void uninitializedHeaderOfAnEmptyLogIsAnEmptyLog()
    {
        try (var f = dir.createSegment("records", 1024))
        {
            assertEquals(0, f.buffer().getLong(0), "created, never initialized (the magic is written last)");
        }
        assertEquals(0, RecordLogReader.read(dir, "records", ReplayMode.STRICT).size());
        try (RecordLogWriter w = RecordLogWriter.open(dir, "records", 1024))
        {
            assertEquals(1, w.append(record(1)));
        }
        assertRecords(RecordLogReader.read(dir, "records", ReplayMode.STRICT), 1);
    }

    @Test
    void damagedHeaderOfAnEmptyLogIsCorruption()
    {
        RecordLogWriter.create(dir, "records", 1024).close();
        Damage.flipByte(dir, "records", SegmentDescriptor.SEGMENT_ID_OFFSET);
        for (final ReplayMode mode : ReplayMode.values())
        {
            assertEquals(Kind.CRC_MISMATCH, assertThrows(DurabilityException.class,
                () -> RecordLogReader.read(dir, "records", mode)).kind());
        }
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
