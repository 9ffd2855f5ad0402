package io.durability.walog;

/**
 * When a {@link WalWriter} creates the segment file it rolls into next ({@link WalOptions#withNextSegment}).
 *
 * <p>A segment <b>named ahead</b> is a file of the segment's full capacity under its final name,
 * every byte zero, created while the writer still appends to the segment before it. Nothing is
 * written into it until the roll, which seals the old segment, then writes the new header (magic
 * last) and appends there: no system call, no path to resolve, a few stores. Until then every
 * reader reads it as what it is, the newest segment with a header never initialized and no frame: the
 * end of the WAL, never data and never an error (docs/FORMAT.md, "A segment named ahead"). A writer
 * that closes deletes it; after a crash {@link WalWriter#resume} deletes it (the repair report names it
 * as a segment that was never initialized).
 */
public enum NextSegment
{
    /**
     * {@link #BACKGROUND} when the directory is a filesystem ({@code Directory.filePath} gives a path:
     * creating a file costs system calls), {@link #AT_ROLL} otherwise (a memory directory, where a
     * creation is an allocation and the writer keeps to its own thread).
     */
    AUTO,
    /**
     * Named ahead by a thread of the writer's own ({@code durability-wal-ahead}), which polls for the
     * next request (between 0.2 and 10 ms apart, a quarter of the time between the last two rolls), so
     * the appending thread never signals it. A roll that finds the next segment not ready (rolls closer
     * together than the thread's poll plus one file creation, or a creation that failed) creates it
     * itself, as {@link #AT_ROLL} does, and {@link WalMetrics#rollsWithoutSpare()} counts it. The same
     * thread closes the segments the writer rolls away from.
     */
    BACKGROUND,
    /**
     * Named ahead on the appending thread, right after each roll (and when the writer opens): every roll
     * finds its segment ready, and the files exist in the same order on every run, whatever the
     * scheduler does. For deterministic tests and simulations; the creation's cost lands on the append
     * that rolls.
     */
    INLINE,
    /** Created by the roll itself, on the appending thread (version 2's behaviour): nothing ahead. */
    AT_ROLL
}
