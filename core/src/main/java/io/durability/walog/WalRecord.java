package io.durability.walog;

/**
 * A decoded WAL entry with the id the writer assigned to it (stored in the frame header, not in
 * the payload).
 *
 * @param entryId the entry id, strictly increasing across the whole WAL, starting at 1.
 * @param payload the decoded entry.
 * @param <E>     the entry type.
 */
public record WalRecord<E>(long entryId, E payload)
{
}
