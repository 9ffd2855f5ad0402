package io.durability.recover;

import io.durability.walog.ReplayMode;

/**
 * How recovery treats damage, and where it stops.
 *
 * @param walMode                 how the WAL is replayed (a torn tail tolerated or not).
 * @param ignoreCorruptCheckpoint when true, an unreadable checkpoint is skipped (an older one, or
 *                                the WAL from its start, is used instead) rather than an error.
 * @param upToEntryId             replay only entries with id {@code <=} this (point in time), or
 *                                {@link Long#MAX_VALUE} for all.
 */
public record RecoveryOptions(ReplayMode walMode, boolean ignoreCorruptCheckpoint, long upToEntryId)
{
    /** @return strict: any damage is an error; all entries. */
    public static RecoveryOptions strict()
    {
        return new RecoveryOptions(ReplayMode.STRICT, false, Long.MAX_VALUE);
    }

    /** @return best effort: a torn WAL tail and a corrupt checkpoint are tolerated; corruption is not. */
    public static RecoveryOptions bestEffort()
    {
        return new RecoveryOptions(ReplayMode.BEST_EFFORT, true, Long.MAX_VALUE);
    }

    /** @return strict, replaying entries up to and including {@code entryId}. */
    public static RecoveryOptions upTo(final long entryId)
    {
        return new RecoveryOptions(ReplayMode.STRICT, false, entryId);
    }
}
