package io.durability.storage;

/**
 * A CRC32C stored in a file did not match the CRC32C of the bytes it covers.
 *
 * <p>{@link #expectedCrc()} is the value stored in the file, {@link #actualCrc()} the value computed
 * over the bytes as found. Always of kind {@link Kind#CRC_MISMATCH}.
 */
public final class CrcMismatchException extends DurabilityException
{
    private static final long serialVersionUID = 1L;

    private final int expectedCrc;
    private final int actualCrc;

    /**
     * @param message     what was being checked.
     * @param file        the file, relative to the directory root.
     * @param offset      the offset of the checked structure in the file.
     * @param expectedCrc the CRC stored in the file.
     * @param actualCrc   the CRC computed over the bytes found.
     */
    public CrcMismatchException(
        final String message, final String file, final long offset, final int expectedCrc, final int actualCrc)
    {
        super(Kind.CRC_MISMATCH, message, file, offset, hex(expectedCrc), hex(actualCrc), null);
        this.expectedCrc = expectedCrc;
        this.actualCrc = actualCrc;
    }

    /** @return a CRC mismatch with the same values, whose reason ends with {@code note}. */
    @Override
    public CrcMismatchException withNote(final String note)
    {
        return new CrcMismatchException(reason() + note, file(), offset(), expectedCrc, actualCrc);
    }

    /** @return the CRC32C stored in the file. */
    public int expectedCrc()
    {
        return expectedCrc;
    }

    /** @return the CRC32C computed over the bytes found. */
    public int actualCrc()
    {
        return actualCrc;
    }

    private static String hex(final int crc)
    {
        return String.format("0x%08x", crc);
    }
}
