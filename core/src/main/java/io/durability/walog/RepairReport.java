package io.durability.walog;

import java.util.List;

/**
 * What {@link WalWriter#resume} changed before it handed out the writer: nothing, or exactly the
 * repair its verdict called for. It never cuts an entry a completed {@code flushAndSync} covered and
 * never deletes a segment a barrier proved: what such damage would need is refused as corruption.
 *
 * @param before    the verdict of the WAL as it was found (CLEAN or TORN_TAIL).
 * @param cut       the bytes zeroed in the final segment (a torn frame or the leftover of an
 *                  uncommitted one), or {@code null}.
 * @param dropped   segment files deleted after the end of valid data, oldest first (with a CLEAN verdict:
 *                  only the segment the last writer named ahead and never used).
 * @param created   the segment file created for the next entry (after a sealed final segment or none),
 *                  or {@code null}.
 * @param nextEntryId the id the next appended entry gets.
 */
public record RepairReport(WalVerdict before, WalVerdict.Cut cut, List<String> dropped, String created, long nextEntryId)
{
    /** Copies the list. */
    public RepairReport
    {
        dropped = List.copyOf(dropped);
    }

    /**
     * @return whether resume changed any byte or file that held data. Creating the first segment does
     * not count, nor does deleting the segment a writer had named ahead and never used (the one file a
     * CLEAN verdict drops: {@link NextSegment}).
     */
    public boolean changedAnything()
    {
        return cut != null || !dropped.isEmpty() && before.state() != WalVerdict.State.CLEAN;
    }

    /** @return whether entries were cut (a torn tail, as opposed to tidying the leftover of an uncommitted frame). */
    public boolean cutEntries()
    {
        return before.state() == WalVerdict.State.TORN_TAIL;
    }

    /** @return one line for people and logs, naming files and offsets. */
    public String describe()
    {
        if (!changedAnything())
        {
            final StringBuilder sb = new StringBuilder("nothing to repair: ").append(before.describe());
            for (final String d : dropped)
            {
                sb.append("; deleted ").append(d).append(" (named ahead by the last writer, never used)");
            }
            return sb.append("; the next entry gets id ").append(nextEntryId).toString();
        }
        final StringBuilder sb = new StringBuilder("repaired: ").append(before.describe());
        if (cut != null)
        {
            sb.append("; zeroed ").append(cut.length()).append(" bytes of ").append(cut.file()).append(" [")
                .append(cut.from()).append(", ").append(cut.to()).append(')')
                .append(cut.torn() ? " (torn tail)" : " (leftover of an uncommitted frame)");
        }
        for (final String d : dropped)
        {
            sb.append("; deleted ").append(d);
        }
        if (created != null)
        {
            sb.append("; created ").append(created);
        }
        return sb.append("; the next entry gets id ").append(nextEntryId).toString();
    }
}
