package io.durability.walog;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A slot claimed in the WAL for a zero-copy write (see {@link WalWriter#claim(int)}): write the
 * payload into {@link #buffer()}, a view of exactly the claimed bytes of the segment's memory
 * ({@code [0, maxLength())}; {@link #offset()} is 0), then {@link #commit(int)} or {@link #abort()}.
 * Until committed, nothing is visible to readers and a crash loses only this entry.
 *
 * <p>Closeable, so that an exception between claim and commit cannot leave the writer waiting for
 * it: {@code try (WalClaim c = w.claim(64)) { c.buffer().putLong(0, x); c.commit(8); }} aborts the
 * claim when the block ends without a commit.
 *
 * <p>One reusable instance per writer (no allocation); valid until commit or abort.
 */
public final class WalClaim implements AutoCloseable
{
    private final WalWriter<?> writer;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
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
        view.wrap(buffer, payloadOffset, maxLength);
        this.frameOffset = frameOffset;
        this.offset = payloadOffset;
        this.maxLength = maxLength;
        this.active = true;
    }

    /**
     * @return the claimed bytes of the segment's memory, and only them: its capacity is
     * {@link #maxLength()} (with Agrona's bounds checks, a write outside it throws).
     */
    public MutableDirectBuffer buffer()
    {
        return view;
    }

    /** @return the first byte of the payload in {@link #buffer()}: always 0 (the view starts there). */
    public int offset()
    {
        return 0;
    }

    /** @return where the payload starts in the segment file (for diagnostics). */
    int payloadOffset()
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

    /** Abort the claim if it is still open (not committed nor aborted); otherwise nothing. */
    @Override
    public void close()
    {
        if (active)
        {
            abort();
        }
    }
}
