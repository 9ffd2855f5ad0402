package io.durability.testhook;

/**
 * Named points where a crash test can make the process halt itself ({@link Runtime#halt}), to
 * prove recovery from a death at exactly that instant (between two stores of the commit protocol,
 * mid-roll, between the steps of a checkpoint publish...).
 *
 * <p>Disabled unless the JVM is started with {@code -Ddurability.crashpoint=<name>} (and optionally
 * {@code -Ddurability.crashpoint.after=<n>}: halt at the n-th hit, default 1). The switch is a
 * {@code static final} field, so in a normal JVM the JIT removes every {@link #hit} call: the hot
 * path pays nothing.
 */
public final class CrashPoints
{
    /** Exit status of a process halted at a crash point. */
    public static final int HALT_STATUS = 86;

    /** Payload written into the slot; entry id, type, CRC and length not yet. */
    public static final String FRAME_AFTER_PAYLOAD = "frame.afterPayload";
    /** Entry id and type written; salt, CRC and length not yet. */
    public static final String FRAME_MID_HEADER = "frame.midHeader";
    /** Header and CRC written; the length (the commit) not yet. */
    public static final String FRAME_BEFORE_COMMIT = "frame.beforeCommit";
    /**
     * The next segment is named ahead (a zero-filled file under its final name) by the writer's
     * background thread, or on the appending thread in {@code NextSegment.INLINE} mode; the writer still
     * appends to the segment before it.
     */
    public static final String AHEAD_AFTER_NAMED = "ahead.afterNamed";
    /** Roll: the old segment is sealed; the next one's header is not written (its file may be named ahead). */
    public static final String ROLL_AFTER_SEAL = "roll.afterSeal";
    /** Roll: the old segment is sealed and the next one's file taken or created (zero-filled); no header yet. */
    public static final String ROLL_AFTER_CREATE = "roll.afterCreate";
    /** Roll: the new segment's header is written; nothing appended to it yet, the one after not named. */
    public static final String ROLL_AFTER_HEADER = "roll.afterHeader";
    /** A segment file is partly allocated (mmap-directory's zero fill). */
    public static final String PREALLOCATE_MID = "preallocate.mid";
    /** Publish: the checkpoint is durable; no marker yet. */
    public static final String PUBLISH_AFTER_CHECKPOINT = "publish.afterCheckpoint";
    /** Publish: the marker is appended, not yet synced. */
    public static final String PUBLISH_AFTER_MARKER = "publish.afterMarker";
    /** Publish: the marker is durable; no segment deleted yet. */
    public static final String PUBLISH_AFTER_MARKER_SYNC = "publish.afterMarkerSync";
    /** Truncation: one segment deleted, more to go. */
    public static final String TRUNCATE_MID = "truncate.mid";
    /** A WAL barrier (on the writer's thread or its syncer): sealed segments and the folder synced, the current segment not yet forced. */
    public static final String BARRIER_BEFORE_FORCE = "barrier.beforeForce";
    /** Durable atomic write: the temporary file is written and synced, not yet renamed. */
    public static final String ATOMIC_WRITE_BEFORE_RENAME = "atomicWrite.beforeRename";

    /** Whether crash points are armed in this JVM. */
    public static final boolean ENABLED = System.getProperty("durability.crashpoint") != null;

    private static final String ARMED = System.getProperty("durability.crashpoint");
    private static final long AFTER = Long.getLong("durability.crashpoint.after", 1);
    private static long hits;

    private CrashPoints()
    {
    }

    /** Halt the JVM if {@code name} is the armed point and this is its n-th hit. */
    public static void hit(final String name)
    {
        if (ENABLED && name.equals(ARMED))
        {
            halt();
        }
    }

    private static synchronized void halt()
    {
        if (++hits >= AFTER)
        {
            System.out.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
