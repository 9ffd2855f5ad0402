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
     * The exact number of bytes {@link #encode} writes for {@code value}, when the codec knows it
     * without encoding; callers that allocate the output (checkpoint files) then allocate it once, of
     * exactly that size. A codec that returns a length {@code >= 0} must write exactly that many bytes
     * when given at least that many.
     *
     * @param value the value to encode.
     * @return the exact encoded length, or {@code -1} (the default) when it is not known in advance.
     */
    default long exactLength(final T value)
    {
        return -1;
    }

    /**
     * @param buffer where to read.
     * @param offset the first byte of the encoded value.
     * @param length the exact encoded length.
     * @return the value.
     * @throws io.durability.storage.DurabilityException DECODE on bytes that are not a valid encoding.
     */
    T decode(DirectBuffer buffer, int offset, int length);

    /**
     * The identity of this codec's payload encoding, recorded in the header of every segment a
     * {@link io.durability.walog.WalWriter} creates with it (segment format 3, docs/FORMAT.md).
     *
     * <p>A non-zero int32 names one encoding: two codecs return the same id only when each decodes
     * what the other encodes. {@code 0} (the default) means "not recorded / any bytes": a codec of id
     * 0 reads and resumes any WAL, and segments it creates record 0. A codec of a non-zero id is
     * refused ({@code INVALID_CONFIG}, before anything is read or changed) by
     * {@link io.durability.walog.WalWriter#resume} and by the decoding replays of
     * {@link io.durability.walog.WalReader} when a segment header records another non-zero id.
     *
     * <p>Ids {@code 1..65535} are reserved for the codecs shipped with durability (1:
     * {@link io.durability.walog.WalEntryCodec}, 2: {@code io.durability.codec.chronicle.ChronicleCodec},
     * 3 and 4: {@code io.durability.replication.ratis.ReplicatedEntry} and {@code ReplicaState});
     * an application picks any other non-zero value, e.g. a hash of a name for its encoding, and
     * changes it when the encoding changes incompatibly.
     *
     * @return the encoding's id, or {@code 0} when none is declared.
     */
    default int id()
    {
        return 0;
    }
}
