package io.durability.walog;

import io.durability.storage.DurabilityException;

import java.util.List;
import java.util.Objects;

/**
 * What one scan of a WAL found: the one verdict that replay, {@link WalWriter#resume}, the tools
 * and the CLI all report, computed once in core ({@link WalReader#check()}).
 *
 * <ul>
 *   <li>{@link State#CLEAN}: strict replay succeeds. A repair may still tidy what holds no entry
 *   (the leftover bytes of a frame whose append a process crash interrupted, or a final segment
 *   whose creation it interrupted): see {@link #cut()} and {@link #droppedSegments()}.</li>
 *   <li>{@link State#TORN_TAIL}: the WAL ends in what an interrupted write leaves (with the
 *   evidence such a write leaves, see docs/FORMAT.md) after the last point a completed barrier
 *   proves. Strict replay fails; best effort and {@code resume} keep everything before it, and
 *   nothing they cut was acknowledged by a {@code flushAndSync} that returned.</li>
 *   <li>{@link State#CORRUPT}: damage that no crash or power cut produces, or that lies in data a
 *   barrier proved durable. Every mode fails; {@code resume} refuses and changes nothing.</li>
 * </ul>
 *
 * @param state           the outcome.
 * @param segments        segment files present.
 * @param entries         valid entries found by the frames scanned (all of them when
 *                        {@code allFramesChecked}).
 * @param firstEntryId    the first entry id of the WAL (0 when it holds none).
 * @param lastEntryId     the last valid entry id (0 when none; for CORRUPT, the last before the damage).
 * @param nextEntryId     the id a resumed writer gives the next entry (for CORRUPT, 0).
 * @param problem         for TORN_TAIL where and why the stream ends; for CORRUPT the corruption; null when CLEAN.
 * @param cut             the bytes a repair zeroes in the final segment, or {@code null}.
 * @param droppedSegments the segment files a repair deletes (after the end of valid data), oldest first.
 * @param allFramesChecked whether every frame was validated ({@code false} for the bounded check of
 *                        {@code resume}, which validates frames from the last segment a barrier proved).
 */
public record WalVerdict(
    State state, int segments, long entries, long firstEntryId, long lastEntryId, long nextEntryId,
    DurabilityException problem, Cut cut, List<String> droppedSegments, boolean allFramesChecked)
{
    /** The three outcomes. */
    public enum State
    {
        /** Strict replay succeeds. */
        CLEAN,
        /** Strict replay fails at a torn tail; best effort keeps everything before it. */
        TORN_TAIL,
        /** Damage that is not a torn tail: every mode fails. */
        CORRUPT
    }

    /**
     * Bytes of the final segment a repair zeroes.
     *
     * @param file the segment.
     * @param from the offset valid data ends at (the next entry is written here).
     * @param to   one past the last non-zero byte after it.
     * @param torn whether the bytes are a torn write ({@code false}: the leftover of an uncommitted frame).
     */
    public record Cut(String file, int from, int to, boolean torn)
    {
        /** @return the number of bytes zeroed. */
        public int length()
        {
            return to - from;
        }
    }

    /** Checks the record's invariants. */
    public WalVerdict
    {
        Objects.requireNonNull(state, "state");
        droppedSegments = List.copyOf(droppedSegments);
        if ((state == State.CLEAN) != (problem == null))
        {
            throw new IllegalArgumentException("a problem is reported exactly when the verdict is not CLEAN");
        }
    }

    /** @return whether strict replay succeeds. */
    public boolean isClean()
    {
        return state == State.CLEAN;
    }

    /** @return whether best-effort replay and {@code resume} succeed (CLEAN or TORN_TAIL). */
    public boolean isRecoverable()
    {
        return state != State.CORRUPT;
    }

    /**
     * @param mode the replay mode.
     * @throws DurabilityException the problem, when {@code mode} does not accept this verdict.
     */
    public void throwIfNotAccepted(final ReplayMode mode)
    {
        if (state == State.CORRUPT || state == State.TORN_TAIL && mode == ReplayMode.STRICT)
        {
            throw problem;
        }
    }

    /** @return the verdict in one line, naming the file and offset of any damage. */
    public String describe()
    {
        return switch (state)
        {
            case CLEAN -> "clean: " + entriesText();
            case TORN_TAIL -> "torn tail: best effort keeps " + entriesText(segments - droppedSegments.size()) +
                (droppedSegments.isEmpty() ? "" :
                    " and drops " + droppedSegments.size() + " segment(s) after the end of valid data") +
                ": " + problem.getMessage();
            case CORRUPT -> "corrupt (not a torn tail; resume and 'durability repair' refuse it): " + problem.getMessage();
        };
    }

    /** @return e.g. {@code 3 segments, 250 entries (ids 1..250)}. */
    public String entriesText()
    {
        return entriesText(segments);
    }

    private String entriesText(final int segments)
    {
        final String range = !allFramesChecked && lastEntryId > 0 ?
            String.format("entries through id %d (frames checked from id %d)", lastEntryId, lastEntryId - entries + 1) :
            entries == 0 ? "no entries" :
            String.format("%,d entries (ids %d..%d)", entries, lastEntryId - entries + 1, lastEntryId);
        return segments + " segment" + (segments == 1 ? "" : "s") + ", " + range;
    }
}
