package io.durability.walog;

import io.durability.storage.Directory;
import io.durability.storage.DirectoryLock;
import io.durability.storage.DurabilityException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Where named tailers keep their positions: one small file per name in the folder
 * {@code <walDir>.tailers/} beside the WAL folder (docs/FORMAT.md, "Tailer position"), replaced
 * atomically and durably at each {@link WalTailer#commit()}; one lock file per name, held by the
 * tailer open under it. Its one job: the bytes of a position, and which names have one.
 */
final class TailerPositions
{
    static final int LENGTH = 32;
    /** "DTPOS" and the format version, little-endian: the file's first 8 bytes. */
    static final long MAGIC = 0x0000_0153_4F50_5444L;
    static final int VERSION = 1;
    private static final int NEXT_OFFSET = 8;
    private static final int COMMITTED_AT_OFFSET = 16;
    private static final int CRC_OFFSET = 24;
    private static final String SUFFIX = ".pos";
    private static final String LOCK_SUFFIX = ".lock";

    private TailerPositions()
    {
    }

    static String folder(final String walDir)
    {
        return walDir + ".tailers";
    }

    static String path(final String walDir, final String name)
    {
        return folder(walDir) + "/" + name + SUFFIX;
    }

    /** @throws DurabilityException INVALID_CONFIG unless {@code name} is 1-64 of {@code a-z 0-9 . _ -}, starting with a letter or digit. */
    static String checkName(final String name)
    {
        if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{0,63}"))
        {
            throw DurabilityException.invalidConfig("tailer name", "1 to 64 of a-z, 0-9, '.', '_', '-', starting with a " +
                "letter or digit", name);
        }
        return name;
    }

    /** Hold the name: one open tailer per name, in this process and (on a filesystem) any other. */
    static DirectoryLock lock(final Directory directory, final String walDir, final String name)
    {
        directory.createDirectories(folder(walDir));
        try
        {
            return directory.obtainLock(folder(walDir) + "/" + name + LOCK_SUFFIX);
        }
        catch (final DurabilityException ex)
        {
            if (ex.kind() == DurabilityException.Kind.LOCK_FAILED)
            {
                throw DurabilityException.lockFailed("a tailer named '" + name + "' is open already (one at a time per " +
                    "name)", path(walDir, name), ex);
            }
            throw ex;
        }
    }

    /** @return the stored next entry id of {@code name}, or 0 when it has none. */
    static long read(final Directory directory, final String walDir, final String name)
    {
        final String path = path(walDir, name);
        if (!directory.exists(path))
        {
            return 0;
        }
        return decode(path, directory.readFile(path, LENGTH + 1));
    }

    static long decode(final String path, final byte[] bytes)
    {
        if (bytes.length != LENGTH)
        {
            throw DurabilityException.format("tailer position file of the wrong length", path, 0, LENGTH + " bytes",
                bytes.length + " bytes");
        }
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != MAGIC)
        {
            throw DurabilityException.format("not a tailer position file (or a version this reader does not know)",
                path, 0, String.format("magic 0x%016x", MAGIC), String.format("0x%016x", b.getLong(0)));
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC_OFFSET);
        final int found = b.getInt(CRC_OFFSET);
        if (found != (int)crc.getValue())
        {
            throw DurabilityException.format("tailer position file damaged: CRC32C mismatch (the position is not " +
                "guessed: reopen with an explicit start, or restore the file)", path, CRC_OFFSET,
                String.format("0x%08x", (int)crc.getValue()), String.format("0x%08x", found));
        }
        final long next = b.getLong(NEXT_OFFSET);
        if (next < 1)
        {
            throw DurabilityException.format("tailer position out of range", path, NEXT_OFFSET, ">= 1", next);
        }
        return next;
    }

    static byte[] encode(final long nextEntryId, final long committedAtMillis)
    {
        final byte[] bytes = new byte[LENGTH];
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, MAGIC);
        b.putLong(NEXT_OFFSET, nextEntryId);
        b.putLong(COMMITTED_AT_OFFSET, committedAtMillis);
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC_OFFSET);
        b.putInt(CRC_OFFSET, (int)crc.getValue());
        return bytes;
    }

    /** Store {@code nextEntryId} for {@code name}: durably where the directory has stable storage. */
    static void write(final Directory directory, final String walDir, final String name, final long nextEntryId)
    {
        final byte[] bytes = encode(nextEntryId, System.currentTimeMillis());
        if (directory.supportsDurability())
        {
            directory.atomicWriteDurable(path(walDir, name), bytes);
        }
        else
        {
            directory.atomicWrite(path(walDir, name), bytes);
        }
    }

    /** @return every stored position, by name (sorted); a damaged file throws, naming it. */
    static Map<String, Long> all(final Directory directory, final String walDir)
    {
        final Map<String, Long> positions = new LinkedHashMap<>();
        for (final String file : directory.list(folder(walDir)))
        {
            if (file.endsWith(SUFFIX))
            {
                final String name = file.substring(0, file.length() - SUFFIX.length());
                positions.put(name, read(directory, walDir, name));
            }
        }
        return positions;
    }
}
