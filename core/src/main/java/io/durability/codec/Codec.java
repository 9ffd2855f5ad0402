package io.durability.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes values straight into, and decodes them straight out of, an Agrona buffer: the frame's
 * own memory, with no intermediate {@code byte[]}.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Deterministic</b>: equal values encode to equal bytes (checkpoints and their CRCs depend
 *   on it). Iterate collections in a stable order.</li>
 *   <li><b>Bounded</b>: {@link #encode} writes only inside {@code [offset, offset + maxLength)}; when
 *   the value does not fit it returns {@link #DOES_NOT_FIT} (bytes it wrote there are discarded).</li>
 *   <li><b>Robust</b>: {@link #decode} accepts any bytes; on bytes it cannot decode it throws
 *   {@link io.durability.storage.DurabilityException} of kind {@code DECODE}, never another
 *   exception, and never allocates from a length it has not checked against {@code length}.</li>
 * </ul>
 *
 * @param <T> the value type.
 */
public interface Codec<T>
{
    /** Returned by {@link #encode} when the value needs more than {@code maxLength} bytes. */
    int DOES_NOT_FIT = -1;

    /**
     * @param value     the value to encode.
     * @param buffer    where to write.
     * @param offset    the first byte to write.
     * @param maxLength how many bytes are available.
     * @return the number of bytes written, or {@link #DOES_NOT_FIT}.
     * @throws io.durability.storage.DurabilityException ENCODE when the value can never be encoded.
     */
    int encode(T value, MutableDirectBuffer buffer, int offset, int maxLength);

    /**
     * @param buffer where to read.
     * @param offset the first byte of the encoded value.
     * @param length the exact encoded length.
     * @return the value.
     * @throws io.durability.storage.DurabilityException DECODE on bytes that are not a valid encoding.
     */
    T decode(DirectBuffer buffer, int offset, int length);
}
