package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.internal.frame.SegmentHeader;
import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Opening a WAL for a {@link WalWriter}: a new one ({@link #create}), or an existing one after the
 * verdict of one scan, repaired when it ends in a torn tail ({@link #resume}). It decides where
 * appending goes on and what the first barrier still owes ({@link Opened}); it never appends.
 */
final class WalOpening
{
    private static final System.Logger LOG = System.getLogger("io.durability.walog");

    /**
     * Where a writer starts.
     *
     * @param current            the segment appending goes on in.
     * @param fresh              whether {@code current} was created by this opening (its watermark is initialized by the barriers).
     * @param segments           creates the segments after it.
     * @param pendingSync        sealed segments the first barrier must sync (bytes only the page cache may have).
     * @param createdSinceSync   whether the first barrier must sync the folder.
     * @param lastDurableOffset  the end of {@code current}'s frames a barrier proved (-1: none).
     * @param recordedWatermark  the watermark {@code current}'s header records.
     * @param firstBarrierWanted whether a background syncer must run a barrier before any append.
     * @param report             what the opening found and changed.
     * @param lastEntryId        the last entry id of earlier lives (0 for a new WAL).
     */
    record Opened(SegmentAppender current, boolean fresh, SegmentMaker segments, List<String> pendingSync,
        boolean createdSinceSync, int lastDurableOffset, int recordedWatermark, boolean firstBarrierWanted,
        RepairReport report, long lastEntryId)
    {
    }

    private WalOpening()
    {
    }

    /**
     * The WAL folder created if missing and its writer lock taken.
     *
     * @throws DurabilityException NOT_SUPPORTED for a background sync policy without stable storage, LOCK_FAILED, IO.
     */
    static DirectoryLock lock(final Directory directory, final WalOptions options)
    {
        if (options.syncPolicy().isBackground() && !directory.supportsDurability())
        {
            throw DurabilityException.notSupported(
                "a background sync policy (" + options.syncPolicy() + ") needs a Directory with stable storage " +
                "(this one has none): use SyncPolicy.manual()", options.walDir());
        }
        directory.createDirectories(options.walDir());
        return directory.obtainLock(WalLayout.lockPath(options.walDir()));
    }

    /** A new WAL: its first segment. @throws DurabilityException INVALID_STATE when segments already exist. */
    static Opened create(final Directory directory, final WalOptions options, final int codecId)
    {
        final long[] ids = WalLayout.segmentIds(directory, options.walDir());
        if (ids.length > 0)
        {
            throw DurabilityException.invalidState(
                "WAL already has " + ids.length + " segment(s); use WalWriter.resume to continue it",
                WalLayout.segmentPath(options.walDir(), ids[0]));
        }
        final SegmentMaker segments = new SegmentMaker(directory, options, codecId, 0);
        final SegmentAppender current = segments.create(1, 1);
        final RepairReport report = new RepairReport(
            new WalVerdict(WalVerdict.State.CLEAN, 0, 0, 0, 0, 1, null, null, List.of(), true), null, List.of(),
            current.file().path(), 1);
        return new Opened(current, true, segments, List.of(), true, -1, 0, false, report, 0);
    }

    /**
     * Continue a WAL after one scan's verdict (see {@link WalWriter#resume}): refuse corruption,
     * delete the segments after the end of valid data, cut a torn tail (zeroed, made durable before any
     * new frame lands on it), and open the last segment or create the next.
     */
    static Opened resume(final Directory directory, final WalOptions options, final int codecId)
    {
        final boolean durable = directory.supportsDurability();
        final String walDir = options.walDir();
        final WalScan.Result scan = WalScan.scan(directory, walDir, options.fullResumeCheck(), true, codecId, null);
        final WalVerdict verdict = scan.verdict;
        if (verdict.state() == WalVerdict.State.CORRUPT)
        {
            throw verdict.problem().withNote("; resume refused and changed nothing (see WalReader.check())");
        }
        final SegmentMaker segments = new SegmentMaker(directory, options, codecId, scan.nextEntryId);
        final List<Long> dropped = scan.droppedSegmentIds;
        for (int i = dropped.size() - 1; i >= 0; i--)
        {
            directory.delete(WalLayout.segmentPath(walDir, dropped.get(i)));
            if (durable)
            {
                directory.syncParentDir(WalLayout.segmentPath(walDir, dropped.get(i)));
            }
        }
        // Segments after the last one a barrier proved may hold bytes only the page cache has (a
        // process crash, no reboot): the first barrier makes them, their seals and the folder durable
        // before it records a watermark that claims so.
        final List<String> pendingSync = new ArrayList<>();
        boolean createdSinceSync = false;
        if (durable)
        {
            for (int i = Math.max(0, scan.lastProven); i < scan.lastIndex; i++)
            {
                pendingSync.add(WalLayout.segmentPath(walDir, scan.segmentIds[i]));
            }
            // The folder entries up to the last proven segment are durable (its watermark says so).
            createdSinceSync = scan.lastProven < scan.lastIndex;
        }
        final SegmentAppender current;
        String created = null;
        WalVerdict.Cut cut = null;
        int lastDurableOffset = -1;
        int recordedWatermark = 0;
        if (scan.lastIndex < 0 || scan.sealed)
        {
            final long segmentId = scan.lastIndex < 0 ? 1 : scan.segmentIds[scan.lastIndex] + 1;
            if (scan.lastIndex >= 0 && durable)
            {
                pendingSync.add(WalLayout.segmentPath(walDir, segmentId - 1));
            }
            current = segments.create(segmentId, scan.nextEntryId);
            created = current.file().path();
            createdSinceSync = true;
        }
        else
        {
            final long segmentId = scan.segmentIds[scan.lastIndex];
            final SegmentHeader header = scan.headers[scan.lastIndex];
            final SegmentFile file = directory.openSegment(WalLayout.segmentPath(walDir, segmentId), true);
            try
            {
                current = SegmentAppender.resume(file, header, scan.endOffset, scan.nextEntryId, scan.garbageEnd);
                if (scan.garbageEnd > scan.endOffset)
                {
                    cut = verdict.cut();
                    if (durable)
                    {
                        // Durable before any new frame lands on them: the old bytes must never come
                        // back under a new frame after a power cut.
                        current.force();
                    }
                }
                recordedWatermark = header.watermark();
                lastDurableOffset = header.watermark() > 0 ? header.watermark() : -1;
            }
            catch (final RuntimeException ex)
            {
                file.close();
                throw ex;
            }
        }
        final List<String> droppedPaths = new ArrayList<>();
        for (final long id : dropped)
        {
            droppedPaths.add(WalLayout.segmentPath(walDir, id));
        }
        final RepairReport report = new RepairReport(verdict, cut, droppedPaths, created, scan.nextEntryId);
        if (report.changedAnything())
        {
            LOG.log(report.cutEntries() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "durability: WalWriter.resume in " + walDir + ": " + report.describe());
            if (WalEvents.REPAIR_TYPE.isEnabled())
            {
                final WalEvents.Repair event = new WalEvents.Repair();
                event.walDir = walDir;
                event.report = report.describe();
                event.cutEntries = report.cutEntries();
                event.nextEntryId = scan.nextEntryId;
                event.commit();
            }
        }
        final long lastEntryId = scan.nextEntryId - 1;
        return new Opened(current, created != null, segments, pendingSync, createdSinceSync, lastDurableOffset,
            recordedWatermark, lastEntryId > 0 || !pendingSync.isEmpty() || createdSinceSync, report, lastEntryId);
    }
}
