package io.durability.recover;

/**
 * A checkpoint named by a WAL marker entry.
 *
 * @param path          the checkpoint file, relative to the directory root.
 * @param lastEntryId   the last WAL entry the checkpoint includes.
 */
public record CheckpointRef(String path, long lastEntryId)
{
}
