package io.durability.walog;

/**
 * The entries one WAL segment holds.
 *
 * @param segmentId    the segment id (numeric order of the files).
 * @param path         the file, relative to the directory root.
 * @param startEntryId the first entry id the segment holds or would hold.
 * @param lastEntryId  the last entry id it holds, or {@code startEntryId - 1} when it holds none.
 * @param isFinal      whether it is the last segment (the one a writer appends to).
 */
public record SegmentRange(long segmentId, String path, long startEntryId, long lastEntryId, boolean isFinal)
{
    /** @return the number of entries in the segment. */
    public long entryCount()
    {
        return lastEntryId - startEntryId + 1;
    }
}
