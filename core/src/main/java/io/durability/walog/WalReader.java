package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a WAL folder: every segment in numeric order, every frame validated (CRC32C, salt, entry id
 * sequence, seals between segments).
 *
 * <p>Replay sees the entries committed when each frame is read; it does not take the writer's lock
 * and can run beside a writer, in this process or another: it then sees a prefix of the stream and
 * never reports a segment the writer is rolling to as damage. Strict replay fails on any damage;
 * best effort stops at a torn tail only (see {@link ReplayMode} and {@link WalVerdict}). The streaming variants deliver entries
 * before they know how the scan ends: a strict streaming replay may deliver entries and then throw.
 *
 * <p>Codec: the replays that decode ({@link #replay()}, {@link #replayEach}) refuse, before they
 * deliver anything, a WAL whose segment headers record a non-zero {@link Codec#id() codec id} other
 * than a non-zero {@code codec.id()} ({@code INVALID_CONFIG} naming the segment, {@code expected} the
 * codec's id, {@code found} the recorded one). A codec of id 0 reads any WAL; {@link #replayFrames},
 * {@link #check()} and {@link #verify} do not decode and read any WAL; {@link #recordedCodecId} says
 * which codec wrote one.
 *
 * @param <E> the entry type.
 */
public final class WalReader<E>
{
    private final Directory directory;
    private final Codec<E> codec;
    private final WalOptions options;

    /** A reader of the WAL in {@code options.walDir()}. */
    public WalReader(final Directory directory, final Codec<E> codec, final WalOptions options)
    {
        this.directory = directory;
        this.codec = codec;
        this.options = options;
    }

    /** A reader with {@link WalOptions#defaults()}. */
    public WalReader(final Directory directory, final Codec<E> codec)
    {
        this(directory, codec, WalOptions.defaults());
    }

    /**
     * @return every entry, in id order.
     * @throws DurabilityException FORMAT, CRC_MISMATCH, DECODE on any damage, torn tails included;
     *                             INVALID_CONFIG when the WAL was written with another codec.
     */
    public List<WalRecord<E>> replay()
    {
        return collect(ReplayMode.STRICT);
    }

    /**
     * @return every entry up to a torn tail of the final segment: a prefix of what was appended.
     * @throws DurabilityException FORMAT, CRC_MISMATCH, DECODE on corruption (see {@link ReplayMode#BEST_EFFORT}).
     */
    public List<WalRecord<E>> replayBestEffort()
    {
        return collect(ReplayMode.BEST_EFFORT);
    }

    /** @return the entries under {@code mode}. */
    public List<WalRecord<E>> replay(final ReplayMode mode)
    {
        return collect(mode);
    }

    private List<WalRecord<E>> collect(final ReplayMode mode)
    {
        final List<WalRecord<E>> records = new ArrayList<>();
        replayEach(mode, (id, entry) -> records.add(new WalRecord<>(id, entry)));
        return records;
    }

    /**
     * Stream every entry, decoded, in strict mode.
     *
     * @return the number of entries delivered.
     */
    public long replayEach(final RecordHandler<? super E> handler)
    {
        return replayEach(ReplayMode.STRICT, handler);
    }

    /**
     * Stream every entry, decoded, under {@code mode}.
     *
     * @return the number of entries delivered.
     * @throws DurabilityException what {@code mode} does not accept; INVALID_CONFIG, before any entry is
     *                             delivered, when the WAL was written with another codec (see above).
     */
    public long replayEach(final ReplayMode mode, final RecordHandler<? super E> handler)
    {
        return replayEach(mode, null, handler);
    }

    /**
     * Stream the entries {@code filter} accepts, decoded, under {@code mode}: the others are read and
     * CRC-checked like every frame, and judged by the same verdict, but not decoded (recovery uses it to
     * skip what a checkpoint covers, and to find checkpoint markers without decoding every entry). An
     * entry the filter declines is therefore not checked by the codec: a payload whose CRC holds but that
     * the codec would refuse is only reported when it is decoded.
     *
     * @param filter which entries to decode; {@code null}: all of them.
     * @return the number of entries in the stream (accepted or not).
     * @throws DurabilityException as {@link #replayEach(ReplayMode, RecordHandler)}.
     */
    public long replayEach(final ReplayMode mode, final FrameFilter filter, final RecordHandler<? super E> handler)
    {
        return replayEachFrom(mode, 0, filter, handler);
    }

    /**
     * {@link #replayEach(ReplayMode, FrameFilter, RecordHandler)} from entry {@code fromEntryId} on, for a
     * caller that has just judged the whole WAL (recovery, after the pass that found its checkpoint
     * markers): frames are read and CRC-checked only from the segment holding {@code fromEntryId} (or
     * from the last segment whose header records a durable watermark, when that comes first); the
     * segments before it get the structural checks resume gives them (file length, header, ids, the
     * seal naming the next segment), at a cost that does not grow with their size. Damage inside the
     * frames of those earlier segments is therefore not seen by this call. Entries before
     * {@code fromEntryId} that it reads are handed to {@code filter} and {@code handler} like any other.
     *
     * @return the number of entries read (from the first segment read on).
     * @throws DurabilityException as {@link #replayEach(ReplayMode, RecordHandler)}.
     */
    public long replayEachFrom(
        final ReplayMode mode, final long fromEntryId, final FrameFilter filter, final RecordHandler<? super E> handler)
    {
        return replayFrames(mode, codec.id(), fromEntryId, (id, buffer, offset, length) ->
        {
            if (filter == null || filter.accept(id, buffer, offset, length))
            {
                handler.onRecord(id, decode(codec, id, buffer, offset, length));
            }
        });
    }

    /**
     * {@code codec.decode} of entry {@code id}'s payload, a codec's own failure (any runtime exception
     * but ours) reported as DECODE naming the entry. Replay and {@link WalTailer} decode through it.
     */
    static <E> E decode(
        final Codec<E> codec, final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            return codec.decode(buffer, offset, length);
        }
        catch (final DurabilityException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw DurabilityException.codecFailed(DurabilityException.Kind.DECODE, "codec failed to decode entry " + id,
                null, -1, null, ex);
        }
    }

    /**
     * Stream every entry's payload in place, without decoding and without allocating per entry.
     *
     * @return the number of entries delivered.
     */
    public long replayFrames(final ReplayMode mode, final FrameHandler handler)
    {
        return replayFrames(mode, 0, 0, handler);
    }

    private long replayFrames(final ReplayMode mode, final int codecId, final long fromEntryId, final FrameHandler handler)
    {
        final WalVerdict verdict = WalScan.scan(directory, options.walDir(), true, false, codecId, fromEntryId, handler).verdict;
        verdict.throwIfNotAccepted(mode);
        return verdict.entries();
    }

    /**
     * Which codec wrote the WAL in {@code options.walDir()}: the {@link Codec#id() codec id} its segment
     * headers record, read from the headers alone (O(number of segments), no frame is read). Headers
     * that record none (0: a codec of id 0, or segments of format 1 or 2) and headers that do not read
     * (the verdict of {@link #check()} says what they are) are skipped.
     *
     * @param directory the directory.
     * @param options   where the WAL is ({@link WalOptions#walDir()}).
     * @return the non-zero id every header that records one records, or {@code 0} when no header
     * records one (an empty WAL included).
     * @throws DurabilityException FORMAT when two segment headers record different non-zero ids (naming
     *                             the later segment, {@code expected} the earlier id, {@code found} its
     *                             own); IO or NOT_FOUND when the files cannot be read.
     */
    public static int recordedCodecId(final Directory directory, final WalOptions options)
    {
        return WalScan.recordedCodecId(directory, options.walDir());
    }

    /**
     * Validate every frame of the WAL without decoding payloads and say what it is: the one verdict
     * (clean, torn tail or corrupt) that {@link WalWriter#resume} and the tools agree on. Damage is
     * reported in the verdict, not thrown. Like resume it looks at every byte after the end of data
     * (a replay looks {@link io.durability.internal.frame.SegmentScanner#READER_PROBE} bytes far, so that its
     * cost does not grow with the unused part of the final segment).
     *
     * @return the verdict, with what a repair would cut.
     * @throws DurabilityException IO or NOT_FOUND when the files cannot be read.
     */
    public WalVerdict check()
    {
        return check(null);
    }

    /**
     * {@link #check()}, streaming each valid frame to {@code handler} as it is validated (the frames
     * before where the verdict says the stream ends): one scan for a tool that needs both the
     * verdict and the entries. A handler that throws ends the scan with its exception.
     *
     * @param handlerOrNull the frames' consumer, or {@code null}.
     * @return the verdict.
     */
    public WalVerdict check(final FrameHandler handlerOrNull)
    {
        return WalScan.scan(directory, options.walDir(), true, true, handlerOrNull).verdict;
    }

    /**
     * Validate the whole WAL under {@code mode} without decoding payloads.
     *
     * @return what was found: the entry range and, for best effort, where a torn tail was cut.
     * @throws DurabilityException what {@code mode} does not accept (see {@link #check()} for a
     *                             verdict that is never thrown).
     */
    public ScanSummary verify(final ReplayMode mode)
    {
        final WalVerdict v = check();
        v.throwIfNotAccepted(mode);
        return new ScanSummary(
            v.segments(), v.entries(), v.firstEntryId(), v.lastEntryId(),
            v.state() == WalVerdict.State.TORN_TAIL ? v.problem() : null, v.droppedSegments().size());
    }

    /**
     * What {@link #verify} found.
     *
     * @param segments          segment files present.
     * @param entries           valid entries.
     * @param firstEntryId      the first entry id present (0 when none).
     * @param lastEntryId       the last valid entry id (0 when none).
     * @param tornTail          the problem at the torn tail best effort stopped at, or {@code null}.
     * @param discardedSegments segments after the end of valid data (torn header, unsynced).
     */
    public record ScanSummary(
        int segments, long entries, long firstEntryId, long lastEntryId, DurabilityException tornTail,
        int discardedSegments)
    {
    }
}
