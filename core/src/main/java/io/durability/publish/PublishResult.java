package io.durability.publish;

/**
 * What a publish did.
 *
 * @param checkpointPath        the checkpoint written.
 * @param checkpointLastEntryId the last WAL entry the checkpoint includes.
 * @param markerEntryId         the WAL entry id of the marker recording it.
 * @param deletedSegments       WAL segments deleted because the checkpoint covers them.
 * @param durable               whether each step was made durable (false on a directory without
 *                              stable storage, where the steps are only ordered and visible).
 */
public record PublishResult(
    String checkpointPath, long checkpointLastEntryId, long markerEntryId, int deletedSegments, boolean durable)
{
}
