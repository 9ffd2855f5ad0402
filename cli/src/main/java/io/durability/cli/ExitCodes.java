package io.durability.cli;

import io.durability.storage.DurabilityException;

/**
 * The exit codes of every {@code durability} command, in one place so that {@code --help}, the
 * README and the code cannot disagree. Scripts branch on them: a torn tail (3) is the expected
 * aftermath of a crash and {@code durability repair} fixes it; corruption (4) is not repairable
 * by the tool and needs a person.
 */
public final class ExitCodes
{
    /** Success; for checks, the WAL is clean. */
    public static final int OK = 0;
    /** Any other failure: I/O, an unexpected error. */
    public static final int FAILURE = 1;
    /** Bad usage: unknown option, missing argument. */
    public static final int USAGE = 2;
    /** A torn tail: strict checking fails, best effort passes. {@code durability repair} cuts it. */
    public static final int TORN_TAIL = 3;
    /** Corruption: best effort fails too (bad frame in durable data, bad header, missing segment). */
    public static final int CORRUPT = 4;
    /** A writer holds the WAL lock: nothing was changed. */
    public static final int LOCKED = 5;
    /** Nothing to read: the folder, its WAL folder or the named file does not exist. */
    public static final int NOT_FOUND = 6;

    private ExitCodes()
    {
    }

    /** @return the exit code for a library failure that reached the top of a command. */
    static int of(final DurabilityException ex)
    {
        return switch (ex.kind())
        {
            case FORMAT, CRC_MISMATCH, DECODE -> CORRUPT;
            case LOCK_FAILED -> LOCKED;
            case NOT_FOUND -> NOT_FOUND;
            default -> FAILURE;
        };
    }
}
