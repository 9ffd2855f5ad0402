package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentHeader;
import io.durability.internal.frame.SegmentScanner;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.SegmentFile;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Follows a live WAL: delivers, in id order and each exactly once, the entries a writer appends, as
 * they become visible (or durable), from any entry id on. The writer may be in this process (on the
 * same {@link Directory} or another instance over the same folder) or in another process; the tailer
 * takes no lock and never writes.
 *
 * <h2>What is delivered, and when</h2>
 * <ul>
 *   <li><b>{@link Delivery#VISIBLE}</b>: an entry is delivered once its frame is committed, that is as
 *   soon as the writer's {@code append} returned (its length and CRC are published with one release
 *   store; the tailer reads them with one 8-byte acquire load). A visible entry is <em>not</em> durable:
 *   a power cut or an OS crash can take it back, and a {@link WalWriter#resume} after one may then
 *   cut it and give its id to another entry. A process crash (SIGKILL) of the writer takes back
 *   nothing committed: after it, {@code resume} continues after the last committed entry and the
 *   tailer goes on delivering exactly the committed stream, with no duplicate and no gap.</li>
 *   <li><b>{@link Delivery#DURABLE}</b>: an entry is delivered only once a segment header's durable
 *   watermark proves it durable (docs/FORMAT.md, "Segment header"): its frame starts below the
 *   watermark of its segment, or a later segment records a non-zero watermark (which the writer stores
 *   only after every earlier segment, its seal and folder entry were made durable). No mode, repair or
 *   {@code resume} may cut such an entry, so a durable tailer never delivers one that is later taken
 *   back. The watermark is published in the header of the segment itself (offset 48, one aligned 8-byte
 *   store of the watermark and its CRC check, with release semantics); a tailer in another process reads
 *   it from its own mapping of the same file with one 8-byte acquire load and checks the CRC. While a
 *   writer runs, {@code flushAndSync} records a watermark <em>one barrier behind</em> and only every
 *   4 KiB ({@link SegmentDescriptor#WATERMARK_STRIDE}), so a durable tailer lags the acknowledged entries
 *   by up to one barrier and 4 KiB; {@link WalWriter#syncWatermark()} (one more page forced) and
 *   {@link WalWriter#close()} record the exact end of what is durable. On a directory without stable
 *   storage ({@code MemoryDirectory}) nothing is durable; there the writer records the end of what it
 *   wrote at {@code flush()}, at {@code close()} and when it rolls to a new segment, and a durable
 *   tailer delivers exactly that.</li>
 *   <li><b>Acknowledged</b> entries (covered by a returned {@code flushAndSync}) are durable; a durable
 *   tailer delivers them once the watermark records them (see the lag above).</li>
 * </ul>
 *
 * <h2>Damage: the reader rules of replay</h2>
 * Every frame is validated by {@link SegmentScanner}, the same rules replay, {@code verify} and
 * {@code resume} use (one scan, one verdict), before it is delivered: a tailer never delivers a partial
 * or corrupt frame. Corruption (damage below a durable watermark, or damage without the evidence of a
 * torn write) is a {@link DurabilityException} from {@code poll} in both {@link ReplayMode modes}, naming
 * the file, the offset, what was expected and what was found. A torn write (above the watermark, with
 * a whole 512-byte sector reading as zeros: what a power cut leaves) is an error in
 * {@link ReplayMode#STRICT}; in {@link ReplayMode#BEST_EFFORT} the tailer stops before it and waits (checking
 * the slot's CRC at each poll): a writer's {@code resume} cuts it, and the tailer then delivers what the
 * writer appends in its place. A
 * segment being created (no file yet, or a header whose magic is not stored yet) is waited for, never
 * reported as damage; a segment header that is neither valid nor uninitialized, a segment naming
 * another id or starting at another entry id than the previous seal says, or a file length other than
 * its capacity is corruption. What the tailer does not look at it does not judge: the segments a seek
 * skips (see below), and the frames before the entry it seeks in its segment, are not validated (run
 * {@link WalReader#check()} for that).
 *
 * <p>After a {@code poll} threw, the tailer stays where it was: polling again reads the same frame
 * again (damage being permanent, it throws again). When the handler throws, the entry it was given
 * counts as not delivered: the exception propagates and the next poll delivers that entry again.
 *
 * <h2>Entries the writer took back</h2>
 * Before it delivers a newly found entry, the tailer checks with one 8-byte load that the last entry it
 * delivered is still in place (its length and CRC, which covers its id, salt and payload). A writer's
 * {@code resume} can cut only frames above the durable watermark, after a power cut or an OS crash;
 * should one it delivered in {@link Delivery#VISIBLE} mode have been cut and replaced by other bytes, the
 * first {@code poll} that finds data at the tailer's position throws {@code INVALID_STATE} rather than
 * deliver a stream that diverges from the WAL (a poll that finds nothing there does not look: the empty
 * path stays one load). A tailer that must never see such an entry uses {@link Delivery#DURABLE}.
 *
 * <h2>Truncation</h2>
 * The tailer keeps the segment it reads open, so a checkpoint publish that deletes it
 * ({@link WalWriter#deleteSegmentsCoveredBy}) does not disturb it, and it goes on to the next one. If
 * truncation deleted a segment before the tailer reached it, {@code poll} throws {@code INVALID_STATE}
 * (the entries are gone: recover from the checkpoint that covered them).
 *
 * <h2>Cost</h2>
 * <ul>
 *   <li>{@code poll} with nothing new: no system call, no allocation, no lock. {@link Delivery#VISIBLE}:
 *   one 8-byte acquire load (the next frame's commit word). {@link Delivery#DURABLE}: the acquire load of
 *   the current header's watermark word, and one that follows the writer's frames (once the writer
 *   rolled: the later segment's watermark word and one load in it; two or three loads in all). The one exception is a roll in progress:
 *   after the tailer read a seal and until the writer's next segment has a header, each poll tries to
 *   open that segment (a few system calls).</li>
 *   <li>Delivering an entry: a CRC32C of its frame; in place ({@link #pollFrames}) no allocation, decoded
 *   ({@link #poll}) what the codec allocates.</li>
 *   <li>Opening at an entry id (a seek): one listing of the WAL folder, a binary search over the segment
 *   headers ({@code O(log segments)} segment opens, each reading 64 bytes), then a walk of at most one
 *   segment up to the entry by the frames' commit words (one 8-byte load and a few header fields per
 *   frame, no CRC: {@code O(frames in one segment)}, whatever the size of the WAL), validating from the
 *   entry on. Neither the skipped segments nor the frames walked over are judged (run
 *   {@link WalReader#check()} for that). Measured in {@code bench/RESULTS.md} (a 1 GiB WAL).</li>
 * </ul>
 *
 * <p>Not thread-safe: one thread polls a tailer. Close it to release the segments it holds.
 *
 * @param <E> the entry type.
 */
public final class WalTailer<E> implements AutoCloseable
{
    /** Which entries a tailer delivers. */
    public enum Delivery
    {
        /** Every committed entry, as soon as the writer's {@code append} returned: visible, not yet durable. */
        VISIBLE,
        /** Only entries a segment header's durable watermark proves durable: never taken back. */
        DURABLE
    }

    /** {@link #open} at the first entry the WAL holds (the oldest segment truncation left). */
    public static final long FIRST = 0;

    /** {@link #open} after the last entry visible when the tailer opens: only entries appended later are delivered. */
    public static final long END = Long.MAX_VALUE;

    private static final int UNKNOWN = -1;

    private final Directory directory;
    private final Codec<E> codec;
    private final int codecId;
    private final String walDir;
    private final ReplayMode mode;
    private final boolean durableOnly;
    private final SegmentScanner scanner = new SegmentScanner();
    private final Crc32cRange headerCrc = new Crc32cRange();
    private final Decoding decoding = new Decoding();

    /** The segment being read, or {@code null} while the tailer waits for segment {@link #segmentId}. */
    private Segment current;
    /** {@link Delivery#DURABLE}: a later segment whose watermark may prove {@link #current} durable. */
    private Segment probe;
    private long segmentId;
    /** The id the next frame read must carry. */
    private long nextEntryId;
    /** {@link Delivery#DURABLE}: frames of {@link #current} starting below it are proven durable. */
    private int durableLimit;
    /** The last delivered frame's offset in {@link #current} and its commit word ({@code -1}: none). */
    private int lastOffset = UNKNOWN;
    private long lastWord;
    /** A slot the scan stopped at without an error: judged again once it holds a whole frame. */
    private int stuckOffset = UNKNOWN;
    private int zeroStops;
    /** How often a tailer stopped at a zero slot asks whether a later segment proved its segment. */
    private static final long LATER_CHECK_NANOS = 200_000_000L;
    private boolean closed;

    private WalTailer(
        final Directory directory, final Codec<E> codec, final WalOptions options, final ReplayMode mode,
        final Delivery delivery)
    {
        this.directory = directory;
        this.codec = codec;
        this.codecId = codec.id();
        this.walDir = options.walDir();
        this.mode = mode;
        this.durableOnly = delivery == Delivery.DURABLE;
    }

    /**
     * Open a tailer positioned before entry {@code entryId}: the first {@code poll} delivers it (once it
     * is visible, or durable).
     *
     * <p>Cost: see "Cost" above (a seek: {@code O(log segments)} header reads, then a walk of at most one
     * segment's commit words). On an empty WAL (no segment yet) the tailer waits for the writer's first
     * segment.
     *
     * @param directory the directory holding the WAL (any instance over the writer's files).
     * @param codec     decodes entries for {@link #poll}; a non-zero {@link Codec#id()} must match the id
     *                  the segment headers record (as for replay); a codec of id 0 reads any WAL.
     * @param options   where the WAL is ({@link WalOptions#walDir()}).
     * @param mode      how a torn write is treated (corruption is always an error).
     * @param delivery  visible or durable entries.
     * @param entryId   the first entry to deliver: an id from the first entry present to the one after the
     *                  last, {@link #FIRST} or {@link #END}.
     * @throws DurabilityException NOT_FOUND when {@code entryId} is no longer in the WAL (truncated) or
     *                             beyond the entry after the last (both with the range that is there);
     *                             FORMAT or CRC_MISMATCH on damage found on the way, as {@code poll};
     *                             INVALID_CONFIG when the WAL was written with another codec; IO.
     */
    public static <E> WalTailer<E> open(
        final Directory directory, final Codec<E> codec, final WalOptions options, final ReplayMode mode,
        final Delivery delivery, final long entryId)
    {
        if (entryId < 0)
        {
            throw DurabilityException.invalidConfig("entry id to tail from", "FIRST, END or an id >= 1", entryId);
        }
        if (directory == null || codec == null || options == null || mode == null || delivery == null)
        {
            throw DurabilityException.invalidConfig("WalTailer.open arguments", "directory, codec, options, mode and " +
                "delivery all given", "a null");
        }
        final WalTailer<E> tailer = new WalTailer<>(directory, codec, options, mode, delivery);
        try
        {
            tailer.seek(entryId);
            return tailer;
        }
        catch (final RuntimeException ex)
        {
            tailer.close();
            throw ex;
        }
    }

    /** A strict tailer of visible entries from the first entry, in {@link WalOptions#defaults()}'s folder. */
    public static <E> WalTailer<E> open(final Directory directory, final Codec<E> codec)
    {
        return open(directory, codec, WalOptions.defaults(), ReplayMode.STRICT, Delivery.VISIBLE, FIRST);
    }

    /**
     * Deliver up to {@code limit} new entries, decoded, in id order.
     *
     * @param handler receives each entry; when it throws, the entry counts as not delivered.
     * @param limit   the most entries to deliver in this call, at least 1.
     * @return how many entries were delivered (0 when nothing new is visible, or durable).
     * @throws DurabilityException FORMAT, CRC_MISMATCH on corruption (and, in {@link ReplayMode#STRICT}, a
     *                             torn write), DECODE when the codec fails, INVALID_CONFIG when a segment
     *                             was written with another codec, INVALID_STATE when the tailer is closed,
     *                             fell behind truncation or the WAL no longer holds what it delivered; IO.
     */
    public int poll(final RecordHandler<? super E> handler, final int limit)
    {
        decoding.handler = handler;
        try
        {
            return pollFrames(decoding, limit);
        }
        finally
        {
            decoding.handler = null;
        }
    }

    /**
     * Deliver up to {@code limit} new entries' payloads in place, in id order, allocating nothing: the
     * buffer is the segment's own memory, valid only during the call.
     *
     * @param handler receives each payload; when it throws, the entry counts as not delivered.
     * @param limit   the most entries to deliver in this call, at least 1.
     * @return how many entries were delivered.
     * @throws DurabilityException as {@link #poll}, DECODE excepted.
     */
    public int pollFrames(final FrameHandler handler, final int limit)
    {
        if (closed)
        {
            throw DurabilityException.invalidState("WAL tailer is closed", walDir);
        }
        if (limit < 1)
        {
            throw DurabilityException.invalidConfig("poll limit", ">= 1", limit);
        }
        return advance(handler, limit, 0);
    }

    /** @return the id of the entry the next {@code poll} delivers first (once it is there). */
    public long nextEntryId()
    {
        return nextEntryId;
    }

    /** @return the id of the segment the tailer reads (or waits for). */
    public long segmentId()
    {
        return segmentId;
    }

    /** Release the segments this tailer holds. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (current != null)
        {
            current.file.close();
            current = null;
        }
        if (probe != null)
        {
            probe.file.close();
            probe = null;
        }
    }

    /**
     * The one walk: read frames of the current segment while they are there (and, in durable mode,
     * proven durable), follow seals to the next segment, and either deliver each frame or, while
     * seeking, skip frames whose id is below {@code seekTo}.
     *
     * @param handler the consumer, or {@code null} while seeking.
     * @param seekTo  while seeking, the id to stop before (0: not seeking).
     */
    private int advance(final FrameHandler handler, final int limit, final long seekTo)
    {
        final boolean seeking = handler == null;
        int delivered = 0;
        while (delivered < limit)
        {
            if (seeking && nextEntryId >= seekTo)
            {
                break;
            }
            if (current == null && !openNext())
            {
                break;
            }
            final Segment s = current;
            final int p = scanner.cursor().position();
            if (durableOnly && !seeking && p >= durableLimit && !raiseDurableLimit(p))
            {
                break;
            }
            final long word = p <= s.limit - FrameDescriptor.HEADER_LENGTH ? s.buffer.getLongVolatile(p) : 0;
            if (word == 0)
            {
                if (p >= scanner.watermark() && durableLimit != Integer.MAX_VALUE)
                {
                    if (!zeroSlotProven(s))
                    {
                        break; // nothing new: one load (and a counter) on the empty path
                    }
                    durableLimit = Integer.MAX_VALUE;
                }
                // Below the watermark, or in a segment a later one proved, data must be there: the scan
                // says what is wrong (or finds it after all).
            }
            else if (p == stuckOffset)
            {
                // The slot the scan stopped at (a torn frame, or one of an earlier life of the file): judged
                // again once it holds a whole frame of this segment (a resume cut it and appended, maybe the
                // very same bytes) or a barrier covered it. One CRC of the slot per poll until then.
                final int watermark = s.watermark();
                if (watermark <= p && !scanner.isCommittedFrameAt(p, nextEntryId))
                {
                    break;
                }
                scanner.raiseWatermark(watermark);
                stuckOffset = UNKNOWN;
            }
            if (lastOffset != UNKNOWN && s.buffer.getLongVolatile(lastOffset) != lastWord)
            {
                throw tookBack(s);
            }
            final int r = scanner.next();
            if (r == SegmentScanner.FRAME)
            {
                final FrameCursor c = scanner.cursor();
                final long id = c.entryId();
                final int previousOffset = lastOffset;
                final long previousWord = lastWord;
                lastOffset = c.frameOffset();
                lastWord = s.buffer.getLongVolatile(lastOffset);
                nextEntryId = id + 1;
                if (seeking)
                {
                    continue;
                }
                try
                {
                    handler.onFrame(id, c.buffer(), c.payloadOffset(), c.payloadLength());
                }
                catch (final RuntimeException | Error ex)
                {
                    scanner.rewind(lastOffset, id);
                    lastOffset = previousOffset;
                    lastWord = previousWord;
                    nextEntryId = id;
                    throw ex;
                }
                delivered++;
            }
            else if (r == SegmentScanner.SEALED)
            {
                nextEntryId = scanner.nextEntryId();
                current.file.close();
                current = null;
                segmentId++;
            }
            else if (r == SegmentScanner.END)
            {
                if (durableLimit == Integer.MAX_VALUE)
                {
                    throw DurabilityException.format(
                        "segment ends without a seal but a later segment records a durable watermark", s.path,
                        scanner.endOffset(), "a seal frame", "end of data")
                        .withNote(" (a later segment records a durable watermark, so this seal was durable)");
                }
                // A committed-looking frame of an earlier life of the file (another salt) is the end of
                // data: wait until the writer overwrites it.
                stuck(p);
                break;
            }
            else if (r == SegmentScanner.TORN)
            {
                final DurabilityException problem = scanner.problem();
                final int watermark = s.watermark();
                if (scanner.endOffset() < watermark)
                {
                    throw problem.withNote(" (below the durable watermark " + watermark + ": acknowledged data)");
                }
                if (laterSegmentRecordsAWatermark())
                {
                    throw problem.withNote(" in a segment a later barrier proved durable");
                }
                if (mode == ReplayMode.STRICT)
                {
                    throw problem;
                }
                stuck(p);
                break;
            }
            else
            {
                throw scanner.problem();
            }
        }
        return delivered;
    }

    private void stuck(final int offset)
    {
        scanner.rewind(offset, nextEntryId);
        stuckOffset = offset;
    }

    private DurabilityException tookBack(final Segment s)
    {
        return new DurabilityException(DurabilityException.Kind.INVALID_STATE,
            "the WAL no longer holds entry " + (nextEntryId - 1) + ", which this tailer delivered: a writer's " +
            "resume cut it (only entries above the durable watermark, visible but not durable, can be cut, after " +
            "a power cut or an OS crash); what was delivered after the last durable entry diverges from the WAL " +
            "(use Delivery.DURABLE to deliver only what cannot be taken back)", s.path, lastOffset,
            String.format("the committed frame 0x%016x", lastWord),
            String.format("0x%016x", s.buffer.getLongVolatile(lastOffset)), null);
    }

    /**
     * Durable mode, at the durable limit: read the watermarks again.
     *
     * @return whether the frame at {@code p} is now proven durable.
     */
    private boolean raiseDurableLimit(final int p)
    {
        final int watermark = current.watermark();
        scanner.raiseWatermark(watermark);
        if (watermark > durableLimit)
        {
            durableLimit = watermark;
        }
        if (p < durableLimit)
        {
            return true;
        }
        if (provenByLaterSegment())
        {
            durableLimit = Integer.MAX_VALUE;
            return true;
        }
        return false;
    }

    /**
     * Whether a segment after the current one records a non-zero watermark, which a writer stores only
     * once every earlier segment, its seal and its folder entry are durable. The tailer follows the
     * writer's seals (by their lengths and types alone: a hint, the scan validates every frame it
     * delivers) to the newest segment it can see, holding at most that one open besides the current.
     */
    private boolean provenByLaterSegment()
    {
        while (true)
        {
            final Segment s = probe != null ? probe : current;
            if (probe != null && probe.watermark() > 0)
            {
                return true;
            }
            if (s == current)
            {
                s.lookahead = Math.max(s.lookahead, scanner.cursor().position());
            }
            if (!s.sealVisible())
            {
                // A frame the walk cannot pass (damage) in a segment a later barrier proved durable: the
                // scan judges it (and names it) instead of the tailer waiting for it forever.
                if (s.walkBlocked)
                {
                    return laterSegmentRecordsAWatermark();
                }
                return zeroSlotProven(s);
            }
            final Segment next = tryOpen(s.id + 1);
            if (next == null)
            {
                return false;
            }
            if (probe != null)
            {
                probe.file.close();
            }
            probe = next;
        }
    }

    /**
     * At a zero slot no watermark of its segment covers: where the writer has not written yet, or
     * damage (a zeroed sector) in a segment a later one proved complete. The later segments (a
     * directory listing) are looked at on the first such stop in a segment, then at most every
     * {@link #LATER_CHECK_NANOS} (a clock read every 256 stops): never on every idle poll.
     *
     * @return whether a later segment records a durable watermark (the zero is damage: the scan names it).
     */
    private boolean zeroSlotProven(final Segment s)
    {
        if (s.laterCheckedAt != 0)
        {
            if ((++zeroStops & 255) != 0 || System.nanoTime() - s.laterCheckedAt < LATER_CHECK_NANOS)
            {
                return false;
            }
        }
        s.laterCheckedAt = Math.max(1, System.nanoTime());
        return laterSegmentRecordsAWatermark();
    }

    /** Best effort at a torn write: is there a later segment whose header records a watermark? */
    private boolean laterSegmentRecordsAWatermark()
    {
        if (probe != null && probe.watermark() > 0)
        {
            return true;
        }
        return laterWatermarkAfter(segmentId);
    }

    /** @return whether a segment after {@code after} records a durable watermark. */
    private boolean laterWatermarkAfter(final long after)
    {
        final long[] ids = WalLayout.segmentIds(directory, walDir);
        for (int i = ids.length - 1; i >= 0 && ids[i] > after; i--)
        {
            final Segment later = tryOpen(ids[i]);
            if (later != null)
            {
                try
                {
                    if (later.watermark() > 0)
                    {
                        return true;
                    }
                }
                finally
                {
                    later.file.close();
                }
            }
        }
        return false;
    }

    /** Open segment {@link #segmentId} and start reading it; {@code false} while it is not there yet. */
    private boolean openNext()
    {
        final Segment s;
        if (probe != null && probe.id == segmentId)
        {
            s = probe;
            probe = null;
        }
        else
        {
            s = tryOpen(segmentId);
            if (s == null)
            {
                return false;
            }
        }
        if (s.header.startEntryId() != nextEntryId)
        {
            s.file.close();
            throw DurabilityException.format(
                "segment does not start where the previous segment's seal says", s.path,
                SegmentDescriptor.START_ENTRY_ID_OFFSET, nextEntryId, s.header.startEntryId());
        }
        start(s);
        return true;
    }

    private void start(final Segment s)
    {
        current = s;
        scanner.wrap(s.buffer, s.file.byteBuffer(), s.path, s.header, s.limit);
        durableLimit = 0;
        lastOffset = UNKNOWN;
        stuckOffset = UNKNOWN;
    }

    /**
     * Open segment {@code id} if it exists and its header is initialized.
     *
     * @return the segment, or {@code null} when it is being created (no file yet, or magic 0).
     * @throws DurabilityException INVALID_STATE when it is missing but a later one exists (truncation
     *                             deleted it); FORMAT, CRC_MISMATCH for a header that is neither valid
     *                             nor uninitialized, or that names another segment, or a file whose
     *                             length is not its capacity; INVALID_CONFIG on a codec mismatch.
     */
    private Segment tryOpen(final long id)
    {
        final String path = WalLayout.segmentPath(walDir, id);
        SegmentFile file = openOrNull(path);
        if (file == null)
        {
            final long[] ids = WalLayout.segmentIds(directory, walDir);
            if (ids.length == 0 || ids[ids.length - 1] <= id)
            {
                return null; // not created yet
            }
            // A later segment exists, so this one was created before it: open it again (the writer may
            // have created both since the first attempt); missing now, it was deleted.
            file = openOrNull(path);
            if (file == null && ids[0] < id)
            {
                // An older segment is still there, and truncation deletes oldest first: a hole in the chain.
                long previous = ids[0];
                long next = id + 1;
                for (final long other : ids)
                {
                    if (other < id)
                    {
                        previous = other;
                    }
                    else if (other > id)
                    {
                        next = other;
                        break;
                    }
                }
                final DurabilityException missing = WalLayout.missingSegment(walDir, previous, next);
                if (laterSegmentRecordsAWatermark())
                {
                    throw missing.withNote(WalLayout.MISSING_PROVEN);
                }
                if (mode == ReplayMode.STRICT)
                {
                    throw missing.withNote(WalLayout.MISSING_TAIL);
                }
                return null; // best effort: the stream ends before the hole
            }
            if (file == null)
            {
                throw new DurabilityException(DurabilityException.Kind.INVALID_STATE,
                    "this tailer fell behind truncation: the segment holding its next entry " + nextEntryId +
                    " was deleted (deleteSegmentsCoveredBy) before it was read; recover from the checkpoint " +
                    "that covered it", path, -1, "segment " + id, "segments from " + ids[0] + " on", null);
            }
        }
        try
        {
            final UnsafeBuffer snapshot = SegmentHeader.snapshot(file.buffer());
            headerCrc.wrap(snapshot.byteBuffer());
            final SegmentHeader header;
            try
            {
                header = SegmentHeader.read(snapshot, headerCrc, path, SegmentDescriptor.KIND_WAL_SEGMENT);
            }
            catch (final DurabilityException ex)
            {
                if (snapshot.capacity() >= 8 && snapshot.getLong(0) == 0 &&
                    file.capacity() >= SegmentDescriptor.HEADER_LENGTH)
                {
                    final long[] ids = WalLayout.segmentIds(directory, walDir);
                    final boolean stillZero = SegmentHeader.snapshot(file.buffer()).getLong(0) == 0;
                    file.close();
                    if (ids.length == 0 || ids[ids.length - 1] <= id || !stillZero)
                    {
                        return null; // being created; a resume may also replace it: open it afresh next time
                    }
                    // A later segment existed before the header was read again, and a writer initializes a
                    // header before it creates the next segment: judged as replay judges it.
                    if (laterWatermarkAfter(id))
                    {
                        throw ex;
                    }
                    if (mode == ReplayMode.STRICT)
                    {
                        throw ex.withNote(WalScan.HEADER_NEVER_REACHED_DISK);
                    }
                    return null; // best effort: the stream ends before it
                }
                throw ex;
            }
            if (header.segmentId() != id)
            {
                throw DurabilityException.format(
                    "segment id in header does not match the file name", path, SegmentDescriptor.SEGMENT_ID_OFFSET,
                    id, header.segmentId());
            }
            final long length = directory.fileLength(path);
            if (length != header.capacity())
            {
                throw DurabilityException.format(
                    "segment file length differs from the capacity in its header (a truncated or extended file)",
                    path, -1, header.capacity() + " bytes", length + " bytes");
            }
            if (codecId != 0 && header.codecId() != 0 && header.codecId() != codecId)
            {
                throw WalScan.codecMismatch(path, codecId, header.codecId());
            }
            return new Segment(file, header, path, id, Math.min(file.capacity(), header.capacity()));
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /** @return the segment file at {@code path}, or {@code null} when there is none. */
    private SegmentFile openOrNull(final String path)
    {
        try
        {
            return directory.openSegment(path, false);
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() != DurabilityException.Kind.NOT_FOUND)
            {
                throw ex;
            }
            return null;
        }
    }

    /**
     * Position before {@code entryId}: find its segment by the headers' start ids (binary search), then
     * scan that segment up to it.
     */
    private void seek(final long entryId)
    {
        final long[] ids = WalLayout.segmentIds(directory, walDir);
        if (ids.length == 0)
        {
            if (entryId > 1 && entryId != END)
            {
                throw new DurabilityException(DurabilityException.Kind.NOT_FOUND,
                    "the WAL holds no entry yet, so a tailer can start only at its first one", walDir, -1,
                    "entry id 1 (or FIRST, END)", String.valueOf(entryId), null);
            }
            segmentId = 1;
            nextEntryId = 1;
            return;
        }
        // The last segment whose header reads and whose start id is <= entryId. Only the newest segment
        // may be uninitialized (being created): it counts as starting after every id.
        final Segment found = locate(ids, entryId);
        if (found == null)
        {
            return; // the first segment is being created: wait for it
        }
        segmentId = found.id;
        nextEntryId = found.header.startEntryId();
        start(found);
        final long target = entryId == FIRST ? nextEntryId : entryId;
        skipTowards(target);
        advance(null, Integer.MAX_VALUE, target);
        if (entryId != END && nextEntryId < target)
        {
            throw new DurabilityException(DurabilityException.Kind.NOT_FOUND,
                "entry " + entryId + " is not in the WAL: its last entry is " + (nextEntryId - 1),
                WalLayout.segmentPath(walDir, segmentId), -1, "an entry id <= " + nextEntryId,
                String.valueOf(entryId), null);
        }
    }

    /**
     * The seek's shortcut through the segment it landed in: walk its frames by their commit words
     * (one 8-byte load each, plus the frame's type, id, salt and length check), without their CRC, up to
     * the frame that holds {@code target}, and put the scanner there. Frames from there on are validated
     * as always, so nothing is delivered unchecked; the frames skipped are not judged (as the segments
     * the binary search skipped are not). The walk stops at the first frame that is not a plain data
     * frame of this segment with the next id and a consistent length (end of data, a seal, a torn or
     * damaged frame, a format-1 segment without length checks): the validated scan goes on from the
     * last frame it trusted and reports what it finds there exactly as before.
     */
    private void skipTowards(final long target)
    {
        final Segment s = current;
        if (s == null || target == END || target <= nextEntryId || s.header.version() < 2)
        {
            return;
        }
        final int salt = s.header.salt();
        int p = scanner.cursor().position();
        long id = nextEntryId;
        while (id < target && p <= s.limit - FrameDescriptor.HEADER_LENGTH)
        {
            final int length = FrameDescriptor.lengthOf(s.buffer.getLongVolatile(p));
            if (length < FrameDescriptor.HEADER_LENGTH || length > s.limit - p ||
                s.buffer.getShort(FrameDescriptor.flagsOffset(p)) != FrameDescriptor.lengthCheck(length) ||
                s.buffer.getShort(p + FrameDescriptor.TYPE_OFFSET) != FrameDescriptor.TYPE_DATA ||
                s.buffer.getInt(p + FrameDescriptor.SALT_OFFSET) != salt ||
                s.buffer.getLong(p + FrameDescriptor.ENTRY_ID_OFFSET) != id)
            {
                break;
            }
            p += FrameDescriptor.align(length);
            id++;
        }
        if (id > nextEntryId)
        {
            scanner.rewind(p, id);
            nextEntryId = id;
        }
    }

    /**
     * @return the open segment to scan for {@code entryId}, or {@code null} (with {@link #segmentId} and
     * {@link #nextEntryId} set) when the WAL's only segment, the first, is being created.
     */
    private Segment locate(final long[] ids, final long entryId)
    {
        int lo = 0;
        int hi = ids.length - 1;
        Segment found = null;
        try
        {
            while (lo <= hi)
            {
                final int mid = entryId == FIRST ? lo : (lo + hi) >>> 1;
                final Segment s = tryOpen(ids[mid]);
                if (s == null)
                {
                    if (mid == ids.length - 1 && mid > 0)
                    {
                        hi = mid - 1;
                        continue;
                    }
                    if (mid == 0 && ids.length == 1 && ids[0] == 1 && (entryId <= 1 || entryId == END))
                    {
                        segmentId = 1; // the first segment is being created
                        nextEntryId = 1;
                        return null;
                    }
                    throw DurabilityException.format("segment file vanished or was never initialized while a tailer " +
                        "opened (an uninitialized header before the newest segment is corruption)",
                        WalLayout.segmentPath(walDir, ids[mid]), 0, "a readable segment header", "none");
                }
                if (entryId == FIRST || s.header.startEntryId() <= entryId)
                {
                    if (found != null)
                    {
                        found.file.close();
                    }
                    found = s;
                    if (entryId == FIRST)
                    {
                        break;
                    }
                    lo = mid + 1;
                }
                else
                {
                    s.file.close();
                    hi = mid - 1;
                }
            }
        }
        catch (final RuntimeException ex)
        {
            if (found != null)
            {
                found.file.close();
            }
            throw ex;
        }
        if (found == null)
        {
            // Every segment starts after entryId; FIRST always finds the first one.
            final Segment first = tryOpen(ids[0]);
            final long start = first == null ? -1 : first.header.startEntryId();
            if (first != null)
            {
                first.file.close();
            }
            throw new DurabilityException(DurabilityException.Kind.NOT_FOUND,
                "entry " + entryId + " is no longer in the WAL (truncation deleted the segments holding it)",
                WalLayout.segmentPath(walDir, ids[0]), SegmentDescriptor.START_ENTRY_ID_OFFSET,
                "an entry id >= " + start, String.valueOf(entryId), null);
        }
        return found;
    }

    /** An open segment and what the tailer reads of its header while the writer lives. */
    private final class Segment
    {
        final SegmentFile file;
        final AtomicBuffer buffer;
        final SegmentHeader header;
        final String path;
        final long id;
        final int limit;
        private long watermarkWord;
        private int watermark;
        /** Where following the writer's frames (without validating them) got to: see {@link #sealVisible}. */
        int lookahead = SegmentDescriptor.HEADER_LENGTH;
        private boolean sealSeen;

        Segment(final SegmentFile file, final SegmentHeader header, final String path, final long id, final int limit)
        {
            this.file = file;
            this.buffer = file.buffer();
            this.header = header;
            this.path = path;
            this.id = id;
            this.limit = limit;
            this.watermark = header.watermark();
            // Not the word itself: the first watermark() checks whatever the header holds by then.
            this.watermarkWord = 0;
        }

        /**
         * @return the header's durable watermark now: one 8-byte acquire load of the pair the writer
         * stores with one release store; checked (CRC and range) whenever it changed.
         */
        int watermark()
        {
            final long word = buffer.getLongVolatile(SegmentDescriptor.WATERMARK_OFFSET);
            if (word != watermarkWord)
            {
                final int w = SegmentDescriptor.watermarkOf(word);
                final int check = SegmentDescriptor.watermarkCheckOf(word);
                final int expected = headerCrc.computeInts(w, header.salt());
                if (check != expected)
                {
                    throw new CrcMismatchException(
                        "segment watermark check mismatch", path, SegmentDescriptor.WATERMARK_CHECK_OFFSET, check,
                        expected);
                }
                if (w != 0 && (w < SegmentDescriptor.HEADER_LENGTH || w > header.capacity() || (w & 7) != 0))
                {
                    throw DurabilityException.format(
                        "segment watermark out of range", path, SegmentDescriptor.WATERMARK_OFFSET,
                        "0 or an aligned offset in [64, " + header.capacity() + "]", w);
                }
                watermarkWord = word;
                watermark = Math.max(watermark, w);
            }
            return watermark;
        }

        /** Set when {@link #sealVisible} stopped at a slot holding something no writer leaves there. */
        boolean walkBlocked;
        /** When a zero slot last made the tailer look for a later segment's watermark (0: never). */
        long laterCheckedAt;

        /** @return whether the writer's seal of this segment is visible (following frame lengths from {@link #lookahead}). */
        boolean sealVisible()
        {
            while (!sealSeen && lookahead <= limit - FrameDescriptor.HEADER_LENGTH)
            {
                final long word = buffer.getLongVolatile(lookahead);
                final int length = FrameDescriptor.lengthOf(word);
                if (length < FrameDescriptor.HEADER_LENGTH || length > limit - lookahead ||
                    buffer.getInt(FrameDescriptor.saltOffset(lookahead)) != header.salt())
                {
                    // A zero commit word is where the writer has not written yet; anything else no writer
                    // leaves (a damaged length or salt): the walk cannot go on, and waiting would not help.
                    walkBlocked = word != 0;
                    return false;
                }
                if (buffer.getShort(FrameDescriptor.typeOffset(lookahead)) == FrameDescriptor.TYPE_SEAL)
                {
                    sealSeen = true;
                }
                else
                {
                    lookahead += FrameDescriptor.align(length);
                }
            }
            return sealSeen;
        }
    }

    /** Decodes each frame for {@link #poll}: one instance per tailer, so a poll allocates no adapter. */
    private final class Decoding implements FrameHandler
    {
        RecordHandler<? super E> handler;

        @Override
        public void onFrame(final long entryId, final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            handler.onRecord(entryId, WalReader.decode(codec, entryId, buffer, offset, length));
        }
    }
}
