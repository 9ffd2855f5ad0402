package io.durability.walog;

/**
 * Receives each decoded entry during streaming replay.
 *
 * @param <E> the entry type.
 */
@FunctionalInterface
public interface RecordHandler<E>
{
    /**
     * @param entryId the entry id.
     * @param entry   the decoded entry.
     */
    void onRecord(long entryId, E entry);
}
