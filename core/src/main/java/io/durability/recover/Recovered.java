package io.durability.recover;

/**
 * The result of recovery.
 *
 * @param state          the recovered working state.
 * @param lastEntryId    the last WAL entry id included in {@code state} (from the checkpoint or
 *                       replay; 0 when none).
 * @param checkpointPath the checkpoint that was loaded, or {@code null} when recovery started empty.
 * @param replayed       the number of WAL entries applied on top of the checkpoint.
 * @param <S>            the state type.
 */
public record Recovered<S>(S state, long lastEntryId, String checkpointPath, long replayed)
{
}
