package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.internal.frame.SegmentAppender;
import io.durability.storage.DurabilityException;

/** A codec encoding an entry straight into a segment's next frame, its failures made ours. */
final class InPlaceEncoding
{
    private InPlaceEncoding()
    {
    }

    /**
     * Encode {@code entry} into the frame at {@code a}'s tail, not committed.
     *
     * @return the payload length, or {@link Codec#DOES_NOT_FIT} (the segment is left as it was).
     * @throws DurabilityException ENCODE when the codec fails, writes outside the bytes it was given or
     *                             says it wrote more (the frame's room is zeroed again).
     */
    static <E> int encode(final Codec<E> codec, final SegmentAppender a, final E entry)
    {
        final int available = a.available();
        if (available < 0)
        {
            return Codec.DOES_NOT_FIT;
        }
        final int payloadOffset = SegmentAppender.payloadOffset(a.tail());
        final int length;
        try
        {
            length = codec.encode(entry, a.buffer(), payloadOffset, available);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            // Only the return value says "does not fit": a codec that reaches outside its room is
            // broken (with Agrona's bounds checks disabled the same write would land past its room).
            a.abort(a.tail(), available);
            throw DurabilityException.codecFailed(DurabilityException.Kind.ENCODE, "codec wrote outside the bytes it " +
                "was given (return Codec.DOES_NOT_FIT when a value does not fit)", null, -1, "<= " + available + " bytes", ex);
        }
        catch (final DurabilityException ex)
        {
            a.abort(a.tail(), available);
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            a.abort(a.tail(), available);
            throw DurabilityException.codecFailed(DurabilityException.Kind.ENCODE, "codec failed to encode an entry", null, -1, null, ex);
        }
        if (length > available)
        {
            a.abort(a.tail(), available);
            throw DurabilityException.encode("codec wrote more bytes than it was given", "<= " + available, length);
        }
        return length;
    }

}
