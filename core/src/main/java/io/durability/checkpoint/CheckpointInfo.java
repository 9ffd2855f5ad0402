package io.durability.checkpoint;

/**
 * The header of a checkpoint file, validated, with its payload CRC checked.
 *
 * @param path          the file.
 * @param formatVersion the format version.
 * @param lastAppliedId the last WAL entry the state includes.
 * @param payloadLength payload bytes.
 * @param payloadCrc    the payload's CRC32C as stored (and verified).
 */
public record CheckpointInfo(String path, int formatVersion, long lastAppliedId, int payloadLength, int payloadCrc)
{
}
