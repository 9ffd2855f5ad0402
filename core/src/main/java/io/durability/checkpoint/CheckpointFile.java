package io.durability.checkpoint;

import io.durability.codec.Codec;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static io.durability.checkpoint.CheckpointDescriptor.*;

/**
 * Checkpoint files: one snapshot of a state per file, CRC-validated, written atomically.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Deterministic</b>: equal states (under a deterministic codec) and equal ids give equal
 *   bytes.</li>
 *   <li><b>Atomic</b>: {@link #write} replaces the file through a temporary file and a rename, so a
 *   reader sees the old or the new checkpoint; {@link #writeDurable} also syncs the file and its
 *   folder, so once it returns the checkpoint survives power loss.</li>
 *   <li><b>Validated</b>: {@link #read} checks magic, version, header CRC, the length cap (before
 *   allocating), the exact file length and the payload CRC, each with its own message: short,
 *   oversized, wrong magic, wrong version and corrupt files are told apart.</li>
 * </ul>
 */
public final class CheckpointFile
{
    private CheckpointFile()
    {
    }

    /**
     * Encode a checkpoint to bytes (header + payload).
     *
     * @throws DurabilityException ENCODE (codec failure, or larger than {@code maxPayload}).
     */
    public static <T> byte[] encode(final long lastAppliedId, final T state, final Codec<T> codec, final int maxPayload)
    {
        if (lastAppliedId < 0)
        {
            throw DurabilityException.encode("lastAppliedId must not be negative", ">= 0", lastAppliedId);
        }
        final long exact = exactLength(state, codec);
        if (exact >= 0)
        {
            // Sized exactly: encoded straight into the file's bytes, no second buffer, no copy.
            final byte[] bytes = new byte[HEADER_LENGTH + (int)checkCap(exact, maxPayload)];
            encodeExact(lastAppliedId, state, codec, (int)exact, bytes);
            return bytes;
        }
        return encodeUnsized(lastAppliedId, state, codec, maxPayload);
    }

    /** Encode into growing buffers, for a codec that cannot say its length in advance. */
    private static <T> byte[] encodeUnsized(final long lastAppliedId, final T state, final Codec<T> codec, final int maxPayload)
    {
        int capacity = 4096;
        while (true)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[HEADER_LENGTH + capacity]);
            final int length = encodeInto(state, codec, buffer, capacity);
            if (length >= 0)
            {
                if (length > capacity)
                {
                    throw DurabilityException.encode("codec wrote more bytes than it was given", "<= " + capacity, length);
                }
                final byte[] bytes = new byte[HEADER_LENGTH + length];
                buffer.getBytes(0, bytes, 0, bytes.length);
                writeHeader(bytes, lastAppliedId, length);
                return bytes;
            }
            if (capacity >= maxPayload)
            {
                throw DurabilityException.encode("checkpoint payload exceeds the cap", "<= " + maxPayload + " bytes", "more");
            }
            capacity = (int)Math.min((long)maxPayload, capacity * 4L);
        }
    }

    /**
     * A checkpoint encoded into an array that may be longer than it: the checkpoint is
     * {@code bytes[0, length)}.
     *
     * @param bytes  the array (the one given to {@link #encode(long, Object, Codec, int, byte[])} when it
     *               was large enough, else a new one: keep it for the next call).
     * @param length the checkpoint's length in bytes.
     */
    public record Encoded(byte[] bytes, int length)
    {
    }

    /**
     * {@link #encode(long, Object, Codec, int)} into {@code reuse} when the codec knows the exact
     * length ({@link Codec#exactLength}) and it fits: no new array, so no fresh memory to fault in (on
     * the benchmarks' VM the first store into each fresh page of a 15 MB array cost more than encoding
     * it). The range it uses is zeroed first, so the bytes are those a fresh array would get. Otherwise
     * (no {@code reuse}, too short, or no exact length) a new array, as the three-argument form.
     *
     * @param reuse an array from an earlier call, or {@code null}.
     * @throws DurabilityException ENCODE (codec failure, or larger than {@code maxPayload}).
     */
    public static <T> Encoded encode(
        final long lastAppliedId, final T state, final Codec<T> codec, final int maxPayload, final byte[] reuse)
    {
        if (lastAppliedId < 0)
        {
            throw DurabilityException.encode("lastAppliedId must not be negative", ">= 0", lastAppliedId);
        }
        final long exact = exactLength(state, codec);
        if (exact < 0)
        {
            final byte[] bytes = encodeUnsized(lastAppliedId, state, codec, maxPayload);
            return new Encoded(bytes, bytes.length);
        }
        final int total = HEADER_LENGTH + (int)checkCap(exact, maxPayload);
        final byte[] bytes;
        if (reuse != null && total <= reuse.length)
        {
            bytes = reuse;
            java.util.Arrays.fill(bytes, 0, total, (byte)0);
        }
        else
        {
            bytes = new byte[total];
        }
        encodeExact(lastAppliedId, state, codec, (int)exact, bytes);
        return new Encoded(bytes, total);
    }

    private static long checkCap(final long exact, final int maxPayload)
    {
        if (exact > maxPayload)
        {
            throw DurabilityException.encode("checkpoint payload exceeds the cap", "<= " + maxPayload + " bytes",
                exact + " bytes");
        }
        return exact;
    }

    /** Encode a payload of exactly {@code exact} bytes and its header into {@code bytes[0, HEADER_LENGTH + exact)}, all zeros. */
    private static <T> void encodeExact(
        final long lastAppliedId, final T state, final Codec<T> codec, final int exact, final byte[] bytes)
    {
        final int length = encodeInto(state, codec, new UnsafeBuffer(bytes, 0, HEADER_LENGTH + exact), exact);
        if (length != exact)
        {
            throw DurabilityException.encode("codec wrote another length than its exactLength", exact,
                length == Codec.DOES_NOT_FIT ? "does not fit" : length);
        }
        writeHeader(bytes, lastAppliedId, length);
    }

    private static <T> long exactLength(final T state, final Codec<T> codec)
    {
        try
        {
            return codec.exactLength(state);
        }
        catch (final DurabilityException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw DurabilityException.codecFailed(DurabilityException.Kind.ENCODE,
                "checkpoint codec failed to size the state", null, -1, null, ex);
        }
    }

    private static <T> int encodeInto(final T state, final Codec<T> codec, final UnsafeBuffer buffer, final int capacity)
    {
        try
        {
            return codec.encode(state, buffer, HEADER_LENGTH, capacity);
        }
        catch (final DurabilityException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            // IndexOutOfBoundsException included: only the return value says "does not fit".
            throw DurabilityException.codecFailed(DurabilityException.Kind.ENCODE,
                "checkpoint codec failed to encode the state", null, -1, null, ex);
        }
    }

    private static void writeHeader(final byte[] bytes, final long lastAppliedId, final int payloadLength)
    {
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, MAGIC);
        b.putInt(VERSION_OFFSET, FORMAT_VERSION);
        b.putInt(12, 0);
        b.putLong(LAST_APPLIED_ID_OFFSET, lastAppliedId);
        b.putInt(PAYLOAD_LENGTH_OFFSET, payloadLength);
        b.putInt(PAYLOAD_CRC_OFFSET, crc(bytes, HEADER_LENGTH, payloadLength));
        b.putInt(HEADER_CRC_OFFSET, crc(bytes, 0, HEADER_CRC_OFFSET));
        b.putInt(36, 0);
    }

    /**
     * Write a checkpoint atomically (not durably). On a directory with stable storage prefer
     * {@link #writeDurable}.
     *
     * @throws DurabilityException ENCODE, IO.
     */
    public static <T> void write(
        final Directory directory, final String path, final long lastAppliedId, final T state, final Codec<T> codec)
    {
        directory.atomicWrite(path, encode(lastAppliedId, state, codec, DEFAULT_MAX_PAYLOAD));
    }

    /**
     * Write a checkpoint atomically and durably: temporary file, sync, rename, folder sync.
     *
     * @throws DurabilityException ENCODE, NOT_SUPPORTED (no stable storage), IO.
     */
    public static <T> void writeDurable(
        final Directory directory, final String path, final long lastAppliedId, final T state, final Codec<T> codec)
    {
        directory.atomicWriteDurable(path, encode(lastAppliedId, state, codec, DEFAULT_MAX_PAYLOAD));
    }

    /**
     * Read and validate a checkpoint with the default payload cap.
     *
     * @throws DurabilityException NOT_FOUND, FORMAT (short, oversized, magic, version, length),
     *                             CRC_MISMATCH (header or payload), DECODE.
     */
    public static <T> Checkpoint<T> read(final Directory directory, final String path, final Codec<T> codec)
    {
        return read(directory, path, codec, DEFAULT_MAX_PAYLOAD);
    }

    /** {@link #read(Directory, String, Codec)} with an explicit cap on the payload length. */
    public static <T> Checkpoint<T> read(
        final Directory directory, final String path, final Codec<T> codec, final int maxPayload)
    {
        final byte[] bytes = readValidated(directory, path, maxPayload);
        final CheckpointInfo info = parse(bytes, path, maxPayload);
        final T state;
        try
        {
            state = codec.decode(new UnsafeBuffer(bytes), HEADER_LENGTH, info.payloadLength());
        }
        catch (final DurabilityException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            throw DurabilityException.codecFailed(DurabilityException.Kind.DECODE,
                "checkpoint payload could not be decoded", path, HEADER_LENGTH, null, ex);
        }
        return new Checkpoint<>(info.lastAppliedId(), state);
    }

    /**
     * Read and validate a checkpoint's header and payload CRC without decoding the payload.
     *
     * @throws DurabilityException as {@link #read}.
     */
    public static CheckpointInfo inspect(final Directory directory, final String path, final int maxPayload)
    {
        return parse(readValidated(directory, path, maxPayload), path, maxPayload);
    }

    private static byte[] readValidated(final Directory directory, final String path, final int maxPayload)
    {
        final long fileLength = directory.fileLength(path);
        if (fileLength < HEADER_LENGTH)
        {
            throw DurabilityException.format(
                "checkpoint file is shorter than its header (truncated?)", path, 0,
                "at least " + HEADER_LENGTH + " bytes", fileLength + " bytes");
        }
        if (fileLength > HEADER_LENGTH + (long)maxPayload)
        {
            throw DurabilityException.format(
                "checkpoint file is larger than the payload cap allows", path, PAYLOAD_LENGTH_OFFSET,
                "at most " + (HEADER_LENGTH + (long)maxPayload) + " bytes", fileLength + " bytes");
        }
        return directory.readFile(path, HEADER_LENGTH + maxPayload);
    }

    private static CheckpointInfo parse(final byte[] bytes, final String path, final int maxPayload)
    {
        if (bytes.length < HEADER_LENGTH)
        {
            throw DurabilityException.format(
                "checkpoint file is shorter than its header (truncated?)", path, 0,
                "at least " + HEADER_LENGTH + " bytes", bytes.length + " bytes");
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++)
        {
            if (bytes[i] != MAGIC[i])
            {
                throw DurabilityException.format("not a checkpoint file (bad magic)", path, 0,
                    DurabilityException.magic(MAGIC, 0), DurabilityException.magic(bytes, 0));
            }
        }
        final int version = b.getInt(VERSION_OFFSET);
        if (version != FORMAT_VERSION)
        {
            throw DurabilityException.format(
                "unsupported checkpoint format version; this build reads version " + FORMAT_VERSION, path,
                VERSION_OFFSET, FORMAT_VERSION, version);
        }
        final int storedHeaderCrc = b.getInt(HEADER_CRC_OFFSET);
        final int actualHeaderCrc = crc(bytes, 0, HEADER_CRC_OFFSET);
        if (storedHeaderCrc != actualHeaderCrc)
        {
            throw new CrcMismatchException("checkpoint header CRC mismatch (corrupt)", path, HEADER_CRC_OFFSET,
                storedHeaderCrc, actualHeaderCrc);
        }
        final long lastAppliedId = b.getLong(LAST_APPLIED_ID_OFFSET);
        final int payloadLength = b.getInt(PAYLOAD_LENGTH_OFFSET);
        if (payloadLength < 0 || payloadLength > maxPayload)
        {
            throw DurabilityException.format(
                "checkpoint payload length exceeds the cap", path, PAYLOAD_LENGTH_OFFSET,
                "0.." + maxPayload, Integer.toUnsignedString(payloadLength));
        }
        if (bytes.length != HEADER_LENGTH + payloadLength)
        {
            throw DurabilityException.format(
                bytes.length < HEADER_LENGTH + payloadLength ? "checkpoint file is truncated" :
                "checkpoint file has bytes after its payload", path, HEADER_LENGTH,
                (HEADER_LENGTH + payloadLength) + " bytes", bytes.length + " bytes");
        }
        if (lastAppliedId < 0 || b.getInt(12) != 0 || b.getInt(36) != 0)
        {
            throw DurabilityException.format("checkpoint header fields out of range", path, 12, "valid header", "other");
        }
        final int storedPayloadCrc = b.getInt(PAYLOAD_CRC_OFFSET);
        final int actualPayloadCrc = crc(bytes, HEADER_LENGTH, payloadLength);
        if (storedPayloadCrc != actualPayloadCrc)
        {
            throw new CrcMismatchException("checkpoint payload CRC mismatch (corrupt)", path, HEADER_LENGTH,
                storedPayloadCrc, actualPayloadCrc);
        }
        return new CheckpointInfo(path, version, lastAppliedId, payloadLength, storedPayloadCrc);
    }

    private static int crc(final byte[] bytes, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int)crc.getValue();
    }
}
