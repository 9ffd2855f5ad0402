package io.durability.walog;

import org.agrona.MutableDirectBuffer;

/**
 * A slot claimed in the WAL for a zero-copy write (see {@link WalWriter#claim(int)}): write the
 * payload into {@link #buffer()} at {@code [offset(), offset() + maxLength())}, then
 * {@link #commit(int)} or {@link #abort()}. Until committed, nothing is visible to readers and a
 * crash loses only this entry.
 *
 * <p>One reusable instance per writer (no allocation); valid until commit or abort.
 */
public final class WalClaim
{
    private final WalWriter<?> writer;
    private MutableDirectBuffer buffer;
    private int frameOffset;
    private int offset;
    private int maxLength;
    private boolean active;

    WalClaim(final WalWriter<?> writer)
    {
        this.writer = writer;
    }

    void activate(final MutableDirectBuffer buffer, final int frameOffset, final int payloadOffset, final int maxLength)
    {
        this.buffer = buffer;
        this.frameOffset = frameOffset;
        this.offset = payloadOffset;
        this.maxLength = maxLength;
        this.active = true;
    }

    /** @return the segment's memory; write only inside the claimed range. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /** @return the first byte of the payload in {@link #buffer()}. */
    public int offset()
    {
        return offset;
    }

    /** @return how many bytes were claimed. */
    public int maxLength()
    {
        return maxLength;
    }

    /** @return whether the claim is still open. */
    public boolean isActive()
    {
        return active;
    }

    int frameOffset()
    {
        return frameOffset;
    }

    void deactivate()
    {
        active = false;
    }

    /**
     * Commit the entry with the whole claimed length as payload.
     *
     * @return the entry id assigned.
     */
    public long commit()
    {
        return writer.commitClaim(this, maxLength);
    }

    /**
     * Commit the entry with the first {@code length} claimed bytes as payload.
     *
     * @return the entry id assigned.
     * @throws io.durability.storage.DurabilityException INVALID_STATE when not active, INVALID_CONFIG
     *                                                   when {@code length} exceeds the claim.
     */
    public long commit(final int length)
    {
        return writer.commitClaim(this, length);
    }

    /** Abandon the claim: nothing is written, no id is used. */
    public void abort()
    {
        writer.abortClaim(this);
    }
}
