package io.durability.walog;

import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.internal.frame.SegmentScanner;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads every entry that can still be read from a damaged WAL, and says exactly what could not be:
 * for operators and tools ({@code durability dump --skip-damage}), never run implicitly and never
 * writing. Where a segment is damaged, the scan resynchronises at the next frame of that segment
 * whose length, length check, CRC32C, salt (the segment's own, so a frame of a recycled file's
 * earlier life is never taken), type and id (at least the next one expected) all check out, and goes
 * on from there; every byte range skipped is reported as a {@link Loss} with the ids it held.
 *
 * <p>The ids of a loss are exact when an entry after it was read (a WAL's ids are consecutive: the
 * ones missing between two read entries are the lost ones); a loss after the last entry read has an
 * unknown end ({@link Loss#lastEntryId()} {@code -1}). A segment whose header does not read is lost
 * whole (its salt is in the header), its ids named by its neighbours.
 *
 * <p>What salvage reads is <b>not</b> a verdict: the entries after damage may never have been
 * acknowledged, and a WAL that salvage reads whole can still be one {@link WalReader#check()} refuses.
 * A segment a writer named ahead ({@link NextSegment}) is no loss.
 */
public final class WalSalvage
{
    /**
     * Bytes of one segment that salvage could not read, and the entries they held.
     *
     * @param segmentId    the segment.
     * @param path         its file.
     * @param fromOffset   the first byte not read (0 when the header is lost).
     * @param toOffset     one past the last byte not read (the resynchronised frame, or the end of the
     *                     segment's non-zero bytes).
     * @param firstEntryId the first id lost; {@code -1} when unknown (a loss before the first segment that
     *                     reads).
     * @param lastEntryId  the last id lost; {@code firstEntryId - 1} when the bytes held no entry (a
     *                     damaged seal, stale bytes), {@code -1} when unknown (nothing was read after it).
     * @param reason       what was found there, with file and offset.
     */
    public record Loss(
        long segmentId, String path, long fromOffset, long toOffset, long firstEntryId, long lastEntryId, String reason)
    {
        /** @return how many entries were lost, or -1 when unknown. */
        public long entries()
        {
            return lastEntryId < 0 || firstEntryId < 0 ? -1 : lastEntryId - firstEntryId + 1;
        }

        /** @return one line: where, which ids, why. */
        public String describe()
        {
            final String ids = lastEntryId < 0 ? "entries from " + firstEntryId + " on (how many is unknown: nothing after them reads)" :
                firstEntryId < 0 ? "entries up to " + lastEntryId + " (where they began is unknown: nothing before them reads)" :
                entries() == 0 ? "no entry" : entries() == 1 ? "entry " + firstEntryId :
                "entries " + firstEntryId + ".." + lastEntryId + " (" + entries() + ")";
            return path + " bytes [" + fromOffset + ", " + toOffset + "): " + ids + " lost: " + reason;
        }
    }

    /**
     * What a salvage read and lost.
     *
     * @param entries      entries read.
     * @param firstEntryId the first id read (0 when none).
     * @param lastEntryId  the last id read (0 when none).
     * @param losses       every loss, in WAL order.
     */
    public record Report(long entries, long firstEntryId, long lastEntryId, List<Loss> losses)
    {
        /** Copies the list. */
        public Report
        {
            losses = List.copyOf(losses);
        }

        /** @return whether any byte that could hold an entry was skipped. */
        public boolean lostAnything()
        {
            return !losses.isEmpty();
        }

        /** @return whether some loss has an unknown count. */
        public boolean lossUnbounded()
        {
            return losses.stream().anyMatch(l -> l.entries() < 0);
        }

        /** @return how many entries the losses held, the unknown ones not counted. */
        public long entriesLost()
        {
            return losses.stream().mapToLong(l -> Math.max(0, l.entries())).sum();
        }
    }

    private WalSalvage()
    {
    }

    /**
     * Read every entry that can be read, in id order, and report what could not be.
     *
     * @param frames every entry read (a handler that throws ends the salvage with its exception).
     * @param losses each loss, as soon as its ids are known: before the first entry read after it, or
     *               at the end; {@code null} to collect them in the report only.
     * @return what was read and lost.
     * @throws DurabilityException IO when a file cannot be read at all.
     */
    public static Report salvage(
        final Directory directory, final WalOptions options, final FrameHandler frames, final Consumer<Loss> losses)
    {
        return new Run(directory, options, frames, losses).run();
    }

    private static final class Run
    {
        private final Directory directory;
        private final WalOptions options;
        private final FrameHandler frames;
        private final Consumer<Loss> listener;
        private final List<Loss> losses = new ArrayList<>();
        /** Losses found since the last entry read: their ids are known at the next entry read. */
        private final List<Loss> pending = new ArrayList<>();
        private long expected;
        private long entries;
        private long first;
        private long last;

        Run(final Directory directory, final WalOptions options, final FrameHandler frames, final Consumer<Loss> listener)
        {
            this.directory = directory;
            this.options = options;
            this.frames = frames;
            this.listener = listener;
        }

        Report run()
        {
            final Crc32cRange crc = new Crc32cRange();
            final SegmentScanner scanner = new SegmentScanner();
            final long[] ids = WalLayout.segmentIds(directory, options.walDir());
            for (int i = 0; i < ids.length; i++)
            {
                final String path = WalLayout.segmentPath(options.walDir(), ids[i]);
                try (SegmentFile segment = directory.openSegment(path, false))
                {
                    final ChainJudge.HeaderRead read = ChainJudge.readHeader(segment, crc, path, i == ids.length - 1);
                    final SegmentHeader header = read.header();
                    if (header == null)
                    {
                        if (!read.namedAhead())
                        {
                            lose(ids[i], path, 0, SegmentScanner.lastNonZeroEnd(segment.buffer(), 0, segment.capacity()),
                                "the segment header does not read, so neither do its frames (their salt is in it): " +
                                read.problem().getMessage());
                        }
                        continue;
                    }
                    if (expected == 0)
                    {
                        // Losses before the first header that reads: which ids they held is unknown.
                        for (final Loss l : pending)
                        {
                            publish(new Loss(l.segmentId(), l.path(), l.fromOffset(), l.toOffset(), -1,
                                header.startEntryId() - 1, l.reason()));
                        }
                        pending.clear();
                        expected = header.startEntryId();
                    }
                    else
                    {
                        resolve(header.startEntryId());
                    }
                    scan(scanner.wrapForRepair(segment.buffer(), segment.byteBuffer(), path, header,
                        Math.min(segment.capacity(), header.capacity())), ids[i], path);
                }
            }
            // What no later entry bounds.
            for (final Loss l : pending)
            {
                publish(new Loss(l.segmentId(), l.path(), l.fromOffset(), l.toOffset(), expected,
                    -1, l.reason()));
            }
            pending.clear();
            return new Report(entries, first, last, losses);
        }

        private void scan(final SegmentScanner scanner, final long segmentId, final String path)
        {
            while (true)
            {
                final int r = scanner.next();
                if (r == SegmentScanner.FRAME)
                {
                    final FrameCursor c = scanner.cursor();
                    read(c.entryId(), c);
                    continue;
                }
                if (r == SegmentScanner.TORN || r == SegmentScanner.CORRUPT)
                {
                    final int from = scanner.endOffset();
                    final long minId = Math.max(expected, scanner.nextEntryId());
                    final String reason = scanner.problem().getMessage();
                    final int at = scanner.resyncAfter(from, minId);
                    if (at >= 0)
                    {
                        lose(segmentId, path, from, at, reason);
                        continue;
                    }
                    final int end = Math.max(scanner.garbageEnd(), from + FrameDescriptor.HEADER_LENGTH);
                    lose(segmentId, path, from, end, reason);
                }
                return; // SEALED, END, or damage with nothing readable after it
            }
        }

        private void read(final long id, final FrameCursor c)
        {
            if (id < expected)
            {
                return; // an entry already read (segments that overlap after damage): once only
            }
            resolve(id);
            if (entries == 0)
            {
                first = id;
            }
            entries++;
            last = id;
            expected = id + 1;
            frames.onFrame(id, c.buffer(), c.payloadOffset(), c.payloadLength());
        }

        /**
         * The next id known to exist is {@code nextId} (an entry read, or a segment header's first id): the
         * ids from {@link #expected} up to it were lost, in the losses found since (consecutive ids), or, with
         * no damaged byte seen, in a segment missing from the folder.
         */
        private void resolve(final long nextId)
        {
            if (pending.isEmpty())
            {
                if (expected != 0 && nextId > expected)
                {
                    publish(new Loss(-1, options.walDir(), 0, 0, expected, nextId - 1,
                        "no segment in the folder holds them (a segment file is missing)"));
                }
            }
            else
            {
                for (int k = 0; k < pending.size(); k++)
                {
                    final Loss l = pending.get(k);
                    // The ids of several losses in a row cannot be told apart: the first one holds them all.
                    publish(k == 0 ?
                        new Loss(l.segmentId(), l.path(), l.fromOffset(), l.toOffset(), expected, Math.max(expected, nextId) - 1, l.reason()) :
                        new Loss(l.segmentId(), l.path(), l.fromOffset(), l.toOffset(), nextId, nextId - 1,
                            l.reason() + " (any entries it held are counted in the loss before it)"));
                }
                pending.clear();
            }
            expected = Math.max(expected, nextId);
        }

        private void lose(final long segmentId, final String path, final long from, final long to, final String reason)
        {
            pending.add(new Loss(segmentId, path, from, to, 0, 0, reason));
        }

        private void publish(final Loss loss)
        {
            losses.add(loss);
            if (listener != null)
            {
                listener.accept(loss);
            }
        }
    }
}
