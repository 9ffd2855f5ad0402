package io.durability.walog;

import io.durability.internal.frame.FrameDescriptor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What a {@link WalWriter}'s appending thread publishes as it goes: entries, bytes, rolls and the
 * last entry id. Written by that thread only, each value with a release store (no lock, no
 * allocation); read with acquire by the barriers ({@link Barriers}), the syncer and the metrics.
 */
final class AppendCounters
{
    private static final VarHandle APPENDS;
    private static final VarHandle BYTES;
    private static final VarHandle ROLLS;
    private static final VarHandle LAST_ENTRY_ID;

    static
    {
        try
        {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            APPENDS = l.findVarHandle(AppendCounters.class, "appends", long.class);
            BYTES = l.findVarHandle(AppendCounters.class, "bytes", long.class);
            ROLLS = l.findVarHandle(AppendCounters.class, "rolls", long.class);
            LAST_ENTRY_ID = l.findVarHandle(AppendCounters.class, "lastEntryId", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The last entry id when the writer opened (entries of earlier lives). */
    private final long startLastEntryId;
    private long appends;
    private long bytes;
    private long rolls;
    private long lastEntryId;

    AppendCounters(final long startLastEntryId)
    {
        this.startLastEntryId = startLastEntryId;
    }

    /** Count an appended entry (appending thread only). @return {@code id}. */
    long appended(final long id, final int payloadLength)
    {
        APPENDS.setRelease(this, appends + 1);
        BYTES.setRelease(this, bytes + FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + payloadLength));
        LAST_ENTRY_ID.setRelease(this, id);
        return id;
    }

    /** Count a roll (appending thread only). */
    void rolled()
    {
        ROLLS.setRelease(this, rolls + 1);
    }

    /** @return the last entry id appended, in this life or an earlier one. */
    long lastEntryId()
    {
        return Math.max((long)LAST_ENTRY_ID.getAcquire(this), startLastEntryId);
    }

    /** @return the last entry id when the writer opened. */
    long startLastEntryId()
    {
        return startLastEntryId;
    }

    long appends()
    {
        return (long)APPENDS.getAcquire(this);
    }

    /** @return the frame bytes appended in this life (aligned frames, headers included). */
    long bytes()
    {
        return (long)BYTES.getAcquire(this);
    }

    long rolls()
    {
        return (long)ROLLS.getAcquire(this);
    }
}
