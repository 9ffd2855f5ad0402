package io.durability.checkpoint;

/**
 * A checkpoint read back: the state and the last WAL entry id it includes.
 *
 * @param lastAppliedId the last WAL entry applied to {@code state} (0 for none).
 * @param state         the decoded state.
 * @param <T>           the state type.
 */
public record Checkpoint<T>(long lastAppliedId, T state)
{
}
