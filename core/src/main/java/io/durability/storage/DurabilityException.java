package io.durability.storage;

/**
 * The one exception type this library throws for its own failures.
 *
 * <p>Every instance carries a {@link Kind} that mirrors the seed crate's error variants, plus the
 * context a person needs to act: the file (a path relative to the {@link Directory} root, or
 * {@code null}), the byte offset inside it ({@code -1} when not about a position), and what was
 * expected versus what was found (either may be {@code null}).
 *
 * <p>It is unchecked so that hot-loop callers pay nothing for declaring it; every public method
 * documents the kinds it throws.
 */
public class DurabilityException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String reason;

    /** What went wrong, mirroring the seed's {@code PersistenceError} variants. */
    public enum Kind
    {
        /** The operating system or the backend reported an I/O failure. */
        IO,
        /** Bytes do not follow the on-disk format (bad magic, version, length, type, sequence). */
        FORMAT,
        /** A CRC32C did not match; {@link CrcMismatchException} carries both values. */
        CRC_MISMATCH,
        /** A value could not be encoded (too large for a segment, out of range field). */
        ENCODE,
        /** Payload bytes could not be decoded into a value. */
        DECODE,
        /** The operation is not allowed in the object's current state (closed, poisoned, full). */
        INVALID_STATE,
        /** A configuration value or argument is invalid (including a path that escapes the root). */
        INVALID_CONFIG,
        /** The backend cannot provide this operation (a durability barrier on memory). */
        NOT_SUPPORTED,
        /** Another writer (thread or process) already holds the lock. */
        LOCK_FAILED,
        /** A file that must exist does not. */
        NOT_FOUND
    }

    private final Kind kind;
    private final String file;
    private final long offset;
    private final String expected;
    private final String found;

    /**
     * @param kind     what went wrong.
     * @param message  a sentence for a person, saying what to do where that is known.
     * @param file     the file, relative to the directory root, or {@code null}.
     * @param offset   the byte offset in the file, or {@code -1}.
     * @param expected what was expected, or {@code null}.
     * @param found    what was found, or {@code null}.
     * @param cause    the underlying exception, or {@code null}.
     */
    public DurabilityException(
        final Kind kind,
        final String message,
        final String file,
        final long offset,
        final String expected,
        final String found,
        final Throwable cause)
    {
        super(format(kind, message, file, offset, expected, found), cause);
        this.reason = message;
        this.kind = kind;
        this.file = file;
        this.offset = offset;
        this.expected = expected;
        this.found = found;
    }

    /** @return the sentence this exception was built with, without the kind and the bracketed details. */
    public String reason()
    {
        return reason;
    }

    /**
     * @param note words to add to the reason, such as why a problem is not a torn tail.
     * @return a new exception of the same kind, file, offset, expected and found values, whose reason
     * ends with {@code note} and whose cause is this one.
     */
    public DurabilityException withNote(final String note)
    {
        return new DurabilityException(kind, reason + note, file, offset, expected, found, this);
    }

    /** @return what went wrong. */
    public Kind kind()
    {
        return kind;
    }

    /** @return the file the failure is about, relative to the directory root, or {@code null}. */
    public String file()
    {
        return file;
    }

    /** @return the byte offset in {@link #file()}, or {@code -1} when the failure has no position. */
    public long offset()
    {
        return offset;
    }

    /** @return what was expected, or {@code null}. */
    public String expected()
    {
        return expected;
    }

    /** @return what was found, or {@code null}. */
    public String found()
    {
        return found;
    }

    private static String format(
        final Kind kind,
        final String message,
        final String file,
        final long offset,
        final String expected,
        final String found)
    {
        final StringBuilder sb = new StringBuilder(64).append(kind).append(": ").append(message);
        if (file != null || offset >= 0 || expected != null || found != null)
        {
            sb.append(" [");
            String sep = "";
            if (file != null)
            {
                sb.append("file=").append(file);
                sep = ", ";
            }
            if (offset >= 0)
            {
                sb.append(sep).append("offset=").append(offset);
                sep = ", ";
            }
            if (expected != null)
            {
                sb.append(sep).append("expected=").append(expected);
                sep = ", ";
            }
            if (found != null)
            {
                sb.append(sep).append("found=").append(found);
            }
            sb.append(']');
        }
        return sb.toString();
    }

    /** An I/O failure reported by the backend (or a barrier that could not complete). */
    public static DurabilityException io(final String message, final String file, final Throwable cause)
    {
        return new DurabilityException(Kind.IO, message, file, -1, null, null, cause);
    }

    /** Bytes that break the format at a position. */
    public static DurabilityException format(
        final String message, final String file, final long offset, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.FORMAT, message, file, offset, str(expected), str(found), null);
    }

    /** A value that cannot be encoded. */
    public static DurabilityException encode(final String message, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.ENCODE, message, null, -1, str(expected), str(found), null);
    }

    /** Payload bytes that cannot be decoded; offset is relative to the payload start unless stated. */
    public static DurabilityException decode(
        final String message, final long offset, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.DECODE, message, null, offset, str(expected), str(found), null);
    }

    /** An operation not allowed in the current state. */
    public static DurabilityException invalidState(final String message, final String file)
    {
        return new DurabilityException(Kind.INVALID_STATE, message, file, -1, null, null, null);
    }

    /** An invalid argument or configuration value. */
    public static DurabilityException invalidConfig(final String message, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.INVALID_CONFIG, message, null, -1, str(expected), str(found), null);
    }

    /** An operation the backend cannot provide. */
    public static DurabilityException notSupported(final String message, final String file)
    {
        return new DurabilityException(Kind.NOT_SUPPORTED, message, file, -1, null, null, null);
    }

    /** A lock held by someone else. */
    public static DurabilityException lockFailed(final String message, final String file, final Throwable cause)
    {
        return new DurabilityException(Kind.LOCK_FAILED, message, file, -1, null, null, cause);
    }

    /** Something asked for that is not there (an entry id, a segment), with where it was looked for. */
    public static DurabilityException notFound(
        final String message, final String file, final long offset, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.NOT_FOUND, message, file, offset, str(expected), str(found), null);
    }

    /** An operation not allowed in the current state, with what it expected and found. */
    public static DurabilityException invalidState(
        final String message, final String file, final long offset, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.INVALID_STATE, message, file, offset, str(expected), str(found), null);
    }

    /** A configuration refused at a place (a file, an offset in it), with what was expected and found. */
    public static DurabilityException invalidConfig(
        final String message, final String file, final long offset, final Object expected, final Object found)
    {
        return new DurabilityException(Kind.INVALID_CONFIG, message, file, offset, str(expected), str(found), null);
    }

    /**
     * A writer that refuses every call since a barrier (sync) failed: durability of its recent
     * entries is unknown.
     *
     * @param cause the failure that poisoned it.
     */
    public static DurabilityException poisoned(final String message, final String file, final Throwable cause)
    {
        return new DurabilityException(Kind.INVALID_STATE, message, file, -1, null, null, cause);
    }

    /**
     * A codec's own failure (any exception but ours) while it encoded ({@code Kind.ENCODE}) or decoded
     * ({@code Kind.DECODE}) a value, made ours with the codec's exception as the cause.
     */
    public static DurabilityException codecFailed(
        final Kind kind, final String message, final String file, final long offset, final Object expected,
        final Throwable cause)
    {
        if (kind != Kind.ENCODE && kind != Kind.DECODE)
        {
            throw new IllegalArgumentException("a codec failure is ENCODE or DECODE, not " + kind);
        }
        return new DurabilityException(kind, message + ": " + cause, file, offset, str(expected), null, cause);
    }

    /**
     * @param message what this failure means for the caller (it comes first).
     * @param file    the file it is about.
     * @return a new exception of this one's kind, whose reason is {@code message} followed by this one's
     * message, and whose cause is this one.
     */
    public DurabilityException because(final String message, final String file)
    {
        return new DurabilityException(kind, message + ": " + getMessage(), file, -1, null, null, this);
    }

    /** A missing file. */
    public static DurabilityException notFound(final String file)
    {
        return new DurabilityException(Kind.NOT_FOUND, "file does not exist", file, -1, null, null, null);
    }

    private static String str(final Object o)
    {
        return o == null ? null : String.valueOf(o);
    }

    /**
     * @return eight magic bytes, as every error shows them: the ASCII in quotes (a non-printable byte as
     * {@code .}) and the bytes in file order, e.g. {@code "DURBLSEG" (44 55 52 42 4c 53 45 47)}.
     */
    public static String magic(final byte[] bytes, final int offset)
    {
        final StringBuilder ascii = new StringBuilder("\"");
        final StringBuilder hex = new StringBuilder(" (");
        for (int i = offset; i < offset + 8 && i < bytes.length; i++)
        {
            final int b = bytes[i] & 0xFF;
            ascii.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
            hex.append(i == offset ? "" : " ").append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return ascii.append('"').append(hex).append(')').toString();
    }

    /** @return {@link #magic(byte[], int)} of a magic read as a little-endian long. */
    public static String magic(final long littleEndian)
    {
        final byte[] bytes = new byte[8];
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(littleEndian >>> (8 * i));
        }
        return magic(bytes, 0);
    }
}
