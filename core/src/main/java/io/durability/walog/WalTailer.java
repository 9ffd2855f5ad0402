package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.internal.frame.Crc32cRange;
import io.durability.internal.frame.FrameCursor;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.internal.frame.SegmentScanner;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;

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
 *   watermark proves it durable (docs/FORMAT.md, "TailedSegment header"): its frame starts below the
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
    private final TailedChain chain;
    private final Decoding decoding = new Decoding();

    /** The segment being read, or {@code null} while the tailer waits for segment {@link #segmentId}. */
    private TailedSegment current;
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
    private boolean closed;
    /** A named tailer's name and the lock that holds it ({@code null}: unnamed). */
    private String name;
    private io.durability.storage.DirectoryLock nameLock;

    private WalTailer(
        final Directory directory, final Codec<E> codec, final WalOptions options, final ReplayMode mode,
        final Delivery delivery)
    {
        this.directory = directory;
        this.codec = codec;
        this.codecId = codec.id();
        this.walDir = options.walDir();
        this.mode = mode;
        this.chain = new TailedChain(directory, walDir, codecId, mode, headerCrc);
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
     * @return a builder of a tailer on the WAL in {@code directory} (defaults: {@link WalOptions#defaults()},
     * {@link ReplayMode#STRICT}, {@link Delivery#VISIBLE}, from {@link #FIRST}, unnamed).
     */
    public static <E> Builder<E> builder(final Directory directory, final Codec<E> codec)
    {
        return new Builder<>(directory, codec);
    }

    /**
     * What a tailer is opened with. A <b>named</b> tailer ({@link #named}) resumes where the last
     * {@link WalTailer#commit()} under its name left it, across restarts and crashes: its position is a
     * small file in the folder {@code <walDir>.tailers/} beside the WAL folder, replaced atomically and
     * durably at each commit (docs/FORMAT.md, "Tailer position"), and only one tailer at a time may hold a
     * name (a lock file beside it, held until {@link WalTailer#close()}, in this process and any other).
     * Delivery is at least once: the entries polled after the last commit are delivered again after a
     * restart. With no stored position (a new name) it starts at {@link #from}.
     *
     * <p><b>Power loss.</b> A {@link Delivery#VISIBLE} tailer can commit past entries that are not durable
     * yet; a power cut can take those back, and the writer's {@code resume} then gives their ids to new
     * entries, which a tailer reopened at the stored position skips without an error (once the WAL has grown
     * past it again; before that, the open fails with NOT_FOUND). A consumer that must not skip an entry across
     * a power cut uses {@link Delivery#DURABLE}: its positions only ever cover entries no resume can cut.
     *
     * @param <E> the entry type.
     */
    public static final class Builder<E>
    {
        private final Directory directory;
        private final Codec<E> codec;
        private WalOptions options = WalOptions.defaults();
        private ReplayMode mode = ReplayMode.STRICT;
        private Delivery delivery = Delivery.VISIBLE;
        private long from = FIRST;
        private String name;

        private Builder(final Directory directory, final Codec<E> codec)
        {
            this.directory = directory;
            this.codec = codec;
        }

        /** @param value where the WAL is ({@link WalOptions#walDir()}). @return this. */
        public Builder<E> options(final WalOptions value)
        {
            options = value;
            return this;
        }

        /** @param value how a torn write is treated (corruption is always an error). @return this. */
        public Builder<E> mode(final ReplayMode value)
        {
            mode = value;
            return this;
        }

        /** @param value visible or durable entries. @return this. */
        public Builder<E> delivery(final Delivery value)
        {
            delivery = value;
            return this;
        }

        /**
         * @param entryId the first entry to deliver ({@link #FIRST}, {@link #END} or an id): for an unnamed
         *                tailer, and for a named one with no stored position yet.
         * @return this.
         */
        public Builder<E> from(final long entryId)
        {
            from = entryId;
            return this;
        }

        /**
         * @param value the name to resume under: 1 to 64 of {@code a-z 0-9 . _ -}, starting with a letter or
         *              digit.
         * @return this.
         */
        public Builder<E> named(final String value)
        {
            name = TailerPositions.checkName(value);
            return this;
        }

        /**
         * Open the tailer: a named one takes its name's lock, then seeks to its stored position (or to
         * {@link #from} when it has none).
         *
         * @throws DurabilityException LOCK_FAILED when a tailer of that name is open; FORMAT when its position
         *                             file is damaged (naming the file: the position is never guessed);
         *                             NOT_FOUND when the stored position was truncated away (reopen under
         *                             another name, or with the file deleted, and {@link #from}); as
         *                             {@link WalTailer#open} otherwise.
         */
        public WalTailer<E> open()
        {
            if (name == null)
            {
                return WalTailer.open(directory, codec, options, mode, delivery, from);
            }
            final io.durability.storage.DirectoryLock lock = TailerPositions.lock(directory, options.walDir(), name);
            try
            {
                final long stored = TailerPositions.read(directory, options.walDir(), name);
                final WalTailer<E> tailer = WalTailer.open(directory, codec, options, mode, delivery,
                    stored == 0 ? from : stored);
                tailer.name = name;
                tailer.nameLock = lock;
                return tailer;
            }
            catch (final RuntimeException ex)
            {
                lock.close();
                throw ex;
            }
        }
    }

    /**
     * A named tailer: store, durably where the directory has stable storage, that every entry before
     * {@link #nextEntryId()} is consumed, so that the next tailer opened under this name starts at
     * {@link #nextEntryId()}. Call it after the entries polled are processed; it costs an atomic durable
     * file replacement (a write, an fsync, a rename and a folder fsync: milliseconds on a disk), so commit
     * every batch, not every entry.
     *
     * @throws DurabilityException INVALID_STATE when the tailer is unnamed or closed; IO.
     */
    public void commit()
    {
        if (closed)
        {
            throw DurabilityException.invalidState("WAL tailer is closed", walDir);
        }
        if (name == null)
        {
            throw DurabilityException.invalidState("commit() needs a named tailer (WalTailer.builder(...).named(...))",
                walDir);
        }
        TailerPositions.write(directory, walDir, name, nextEntryId);
    }

    /** @return this tailer's name, or {@code null} when unnamed. */
    public String name()
    {
        return name;
    }

    /**
     * @return the positions named tailers stored on the WAL in {@code options.walDir()}: name to the next entry
     * id each will deliver, sorted by name.
     * @throws DurabilityException FORMAT when a position file is damaged (naming it); IO.
     */
    public static java.util.Map<String, Long> positions(final Directory directory, final WalOptions options)
    {
        return TailerPositions.all(directory, options.walDir());
    }

    /**
     * @return the next entry id the tailer named {@code name} will deliver, as its last commit stored it, or
     * 0 when it has none (one small file read).
     * @throws DurabilityException INVALID_CONFIG for a name that cannot be one; FORMAT when its position
     *                             file is damaged (naming it); IO.
     */
    public static long position(final Directory directory, final WalOptions options, final String name)
    {
        return TailerPositions.read(directory, options.walDir(), TailerPositions.checkName(name));
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

    /** Release the segments this tailer holds, and its name's lock. Does not {@link #commit()}. Idempotent. */
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
        chain.closeProbe();
        if (nameLock != null)
        {
            nameLock.close();
            nameLock = null;
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
            final TailedSegment s = current;
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
                    if (!chain.zeroSlotProven(s, segmentId))
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
                    // A later segment's watermark proved this segment complete (either delivery sets the limit so):
                    // its seal was durable. Without that proof the end of data is a live writer's, and the tailer waits.
                    throw ChainJudge.unsealed(s.path, scanner.endOffset(), true).why();
                }
                // A committed-looking frame of an earlier life of the file (another salt) is the end of
                // data: wait until the writer overwrites it.
                stuck(p);
                break;
            }
            else if (r == SegmentScanner.TORN)
            {
                final int watermark = s.watermark();
                final ChainJudge.Judgement torn = ChainJudge.torn(scanner.problem(), scanner.endOffset(), watermark,
                    scanner.endOffset() >= watermark && laterSegmentRecordsAWatermark());
                if (torn.corrupt() || mode == ReplayMode.STRICT)
                {
                    throw torn.why();
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

    private DurabilityException tookBack(final TailedSegment s)
    {
        return DurabilityException.invalidState(
            "the WAL no longer holds entry " + (nextEntryId - 1) + ", which this tailer delivered: a writer's " +
            "resume cut it (only entries above the durable watermark, visible but not durable, can be cut, after " +
            "a power cut or an OS crash); what was delivered after the last durable entry diverges from the WAL " +
            "(use Delivery.DURABLE to deliver only what cannot be taken back)", s.path, lastOffset,
            String.format("the committed frame 0x%016x", lastWord),
            String.format("0x%016x", s.buffer.getLongVolatile(lastOffset)));
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

    /** @see TailedChain#provenByLater */
    private boolean provenByLaterSegment()
    {
        return chain.provenByLater(current, scanner.cursor().position(), segmentId, nextEntryId);
    }

    /** Best effort at a torn write: is there a later segment whose header records a watermark? */
    private boolean laterSegmentRecordsAWatermark()
    {
        return chain.laterRecordsAWatermark(segmentId);
    }

    /** Open segment {@link #segmentId} and start reading it; {@code false} while it is not there yet. */
    private boolean openNext()
    {
        final TailedSegment s;
        final TailedSegment probed = chain.takeProbe(segmentId);
        if (probed != null)
        {
            s = probed;
        }
        else
        {
            s = chain.open(segmentId, nextEntryId);
            if (s == null)
            {
                return false;
            }
        }
        if (s.header.startEntryId() != nextEntryId)
        {
            s.file.close();
            throw ChainJudge.wrongStart(s.path, nextEntryId, s.header.startEntryId());
        }
        start(s);
        return true;
    }

    private void start(final TailedSegment s)
    {
        current = s;
        scanner.wrap(s.buffer, s.file.byteBuffer(), s.path, s.header, s.limit);
        durableLimit = 0;
        lastOffset = UNKNOWN;
        stuckOffset = UNKNOWN;
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
                throw DurabilityException.notFound("the WAL holds no entry yet, so a tailer can start only at its first one",
                    walDir, -1, "entry id 1 (or FIRST, END)", entryId);
            }
            segmentId = 1;
            nextEntryId = 1;
            return;
        }
        // The last segment whose header reads and whose start id is <= entryId. Only the newest segment
        // may be uninitialized (being created): it counts as starting after every id.
        final TailedSegment found = chain.locate(ids, entryId);
        if (found == null)
        {
            segmentId = 1; // the first segment is being created: wait for it
            nextEntryId = 1;
            return;
        }
        segmentId = found.id;
        nextEntryId = found.header.startEntryId();
        start(found);
        final long target = entryId == FIRST ? nextEntryId : entryId;
        skipTowards(target);
        advance(null, Integer.MAX_VALUE, target);
        if (entryId != END && nextEntryId < target)
        {
            throw DurabilityException.notFound("entry " + entryId + " is not in the WAL: its last entry is " +
                (nextEntryId - 1), WalLayout.segmentPath(walDir, segmentId), -1, "an entry id <= " + nextEntryId, entryId);
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
        final TailedSegment s = current;
        if (s == null || target == END || target <= nextEntryId || s.header.version() < 2)
        {
            return;
        }
        final long id = s.skipDataFrames(scanner.cursor().position(), nextEntryId, target);
        if (id > nextEntryId)
        {
            scanner.rewind(s.skipEnd, id);
            nextEntryId = id;
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
