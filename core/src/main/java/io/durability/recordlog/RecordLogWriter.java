package io.durability.recordlog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.DirectBuffer;

import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;

/**
 * Appends records to a single, fixed-capacity, CRC-framed file: the seed's record log, on the same
 * frame layer as the WAL (see {@code docs/FORMAT.md}). Records get sequence numbers 1, 2, 3...
 *
 * <p>Guarantees match {@link io.durability.walog.WalWriter}: a record is visible when
 * {@code append} returns, durable after {@link #flushAndSync()} returns (which throws
 * {@code NOT_SUPPORTED} on a directory without stable storage, and poisons the writer on failure);
 * a crash leaves whole records only; {@link #open} cuts a torn tail back to the last whole record.
 * When the file is full, {@code append} throws {@code INVALID_STATE}: use the WAL for unbounded logs.
 *
 * <p>One writer per file (a lock file {@code <path>.lock}). Not thread-safe.
 */
public final class RecordLogWriter implements AutoCloseable
{
    private final Directory directory;
    private final String path;
    private final DirectoryLock lock;
    private final SegmentAppender appender;
    private final boolean durable;
    private int lastDurableOffset = -1;
    private int recordedWatermark;
    private RuntimeException poisonedBy;
    private boolean closed;

    private RecordLogWriter(
        final Directory directory, final String path, final DirectoryLock lock, final SegmentAppender appender,
        final int recordedWatermark)
    {
        this.directory = directory;
        this.path = path;
        this.lock = lock;
        this.appender = appender;
        this.durable = directory.supportsDurability();
        this.recordedWatermark = recordedWatermark;
        if (recordedWatermark > 0 && durable)
        {
            lastDurableOffset = recordedWatermark;
        }
    }

    /**
     * Create a new record log of {@code capacity} bytes.
     *
     * @throws DurabilityException INVALID_STATE (exists), INVALID_CONFIG (capacity), LOCK_FAILED, IO.
     */
    public static RecordLogWriter create(final Directory directory, final String path, final int capacity)
    {
        final DirectoryLock lock = directory.obtainLock(path + ".lock");
        SegmentFile file = null;
        try
        {
            file = directory.createSegment(path, capacity);
            int salt;
            final SplittableRandom random = new SplittableRandom(System.nanoTime());
            do
            {
                salt = random.nextInt();
            }
            while (salt == 0);
            final SegmentAppender appender = SegmentAppender.create(file, SegmentDescriptor.KIND_RECORD_LOG, 1, 1, salt);
            int watermark = 0;
            if (!directory.supportsDurability())
            {
                watermark = SegmentDescriptor.HEADER_LENGTH;
                appender.recordWatermark(watermark);
            }
            return new RecordLogWriter(directory, path, lock, appender, watermark);
        }
        catch (final RuntimeException ex)
        {
            if (file != null)
            {
                file.close();
            }
            lock.close();
            throw ex;
        }
    }

    /**
     * Open an existing record log to append, cutting a torn tail back to the last whole record and
     * zeroing what follows; create it with {@code capacityIfNew} bytes when it does not exist.
     *
     * @throws DurabilityException FORMAT or CRC_MISMATCH (corruption), LOCK_FAILED, IO.
     */
    public static RecordLogWriter open(final Directory directory, final String path, final int capacityIfNew)
    {
        if (!directory.exists(path))
        {
            return create(directory, path, capacityIfNew);
        }
        final DirectoryLock lock = directory.obtainLock(path + ".lock");
        try
        {
            final RecordLogReader.Scan scan = RecordLogReader.scan(
                directory, path, io.durability.walog.ReplayMode.BEST_EFFORT, true, null);
            if (scan.header == null)
            {
                directory.delete(path);
                lock.close();
                return create(directory, path, capacityIfNew);
            }
            final SegmentFile file = directory.openSegment(path, true);
            try
            {
                final SegmentAppender appender = SegmentAppender.resume(
                    file, scan.header, scan.endOffset, scan.nextSequence, scan.garbageEnd);
                if (scan.garbageEnd > scan.endOffset && directory.supportsDurability())
                {
                    appender.force();
                }
                return new RecordLogWriter(directory, path, lock, appender, scan.header.watermark());
            }
            catch (final RuntimeException ex)
            {
                file.close();
                throw ex;
            }
        }
        catch (final RuntimeException ex)
        {
            lock.close();
            throw ex;
        }
    }

    /**
     * Append one record.
     *
     * @return its id (sequence number, from 1).
     * @throws DurabilityException INVALID_STATE (full, closed, poisoned).
     */
    public long append(final byte[] record)
    {
        return append(new org.agrona.concurrent.UnsafeBuffer(record), 0, record.length);
    }

    /**
     * Append {@code length} bytes of {@code source} from {@code offset} as one record; copies once,
     * into the file.
     *
     * @return its id (sequence number, from 1).
     * @throws DurabilityException INVALID_STATE (full, closed, poisoned).
     */
    public long append(final DirectBuffer source, final int offset, final int length)
    {
        checkUsable();
        final int frame = appender.claim(length);
        if (frame < 0)
        {
            throw DurabilityException.invalidState(
                "record log is full: " + length + " bytes requested, " + appender.available() + " available", path);
        }
        appender.buffer().putBytes(SegmentAppender.payloadOffset(frame), source, offset, length);
        return appender.commit(frame, length);
    }

    /** @return the largest record that still fits ({@code -1} when not even an empty one does). */
    public int available()
    {
        return appender.available();
    }

    /**
     * @return the id of the last record (0 when none). A record's id is its sequence number, stored in
     * its frame header as a WAL entry's id is: one name for one idea, as {@code WalWriter.lastEntryId()}.
     */
    public long lastEntryId()
    {
        return appender.nextEntryId() - 1;
    }

    /** Visibility boundary: records are visible on append already; this is a fence. */
    public void flush()
    {
        checkUsable();
        VarHandle.fullFence();
    }

    /**
     * Durability barrier: every record appended before the call survives power loss once it returns.
     *
     * @throws DurabilityException NOT_SUPPORTED (no stable storage), IO (the writer is poisoned).
     */
    public void flushAndSync()
    {
        checkUsable();
        if (!durable)
        {
            throw DurabilityException.notSupported("flushAndSync needs a Directory with stable storage", path);
        }
        try
        {
            final int target = appender.tail();
            final int watermark = lastDurableOffset >= 0 ? lastDurableOffset : SegmentDescriptor.HEADER_LENGTH;
            if (SegmentDescriptor.shouldRecordWatermark(recordedWatermark, watermark))
            {
                appender.recordWatermark(watermark);
                recordedWatermark = watermark;
            }
            appender.force();
            if (lastDurableOffset < 0)
            {
                directory.syncParentDir(path);
            }
            lastDurableOffset = target;
        }
        catch (final RuntimeException ex)
        {
            poisonedBy = ex;
            System.getLogger("io.durability.recordlog").log(System.Logger.Level.ERROR,
                "durability: record log writer of " + path + " is poisoned by a failed barrier (records after the " +
                "last completed flushAndSync may not be durable; reopen it): " + ex.getMessage(), ex);
            throw ex;
        }
    }

    private void checkUsable()
    {
        if (closed)
        {
            throw DurabilityException.invalidState("record log writer is closed", path);
        }
        if (poisonedBy != null)
        {
            throw DurabilityException.poisoned("record log writer is poisoned by a failed sync; reopen it", path, poisonedBy);
        }
    }

    /**
     * Clean shutdown: on a directory with stable storage every record is made durable (as by
     * {@link #flushAndSync()}) and the exact end of the data is recorded in the header and made
     * durable, so damage to any record is corruption afterwards; then the file and the lock are
     * released. A poisoned writer syncs nothing. Idempotent.
     *
     * @throws DurabilityException IO when the final barrier fails (the file and lock are released).
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            if (poisonedBy == null)
            {
                if (durable)
                {
                    flushAndSync();
                }
                final int end = appender.tail();
                if (end > recordedWatermark)
                {
                    appender.recordWatermark(end);
                    recordedWatermark = end;
                    if (durable)
                    {
                        appender.force();
                    }
                }
            }
        }
        finally
        {
            closed = true;
            appender.file().close();
            lock.close();
        }
    }
}
