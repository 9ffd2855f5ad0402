package io.durability.walog;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The WAL's Java Flight Recorder events: barriers, rolls, repairs at resume and poisoning. Off unless a
 * recording enables them ({@code jfr configure}, {@code -XX:StartFlightRecording}, JDK Mission Control):
 * then nothing is allocated or timed for them (each site asks its event type first), so the append path
 * is not touched. Names: {@code io.durability.Barrier}, {@code io.durability.Roll},
 * {@code io.durability.Repair}, {@code io.durability.Poisoned}, in the category "Durability".
 */
final class WalEvents
{
    private WalEvents()
    {
    }

    // Each type registered with the recorder when this class initializes (getEventType registers it), so a
    // recording that enables an event by name before its first use records it.
    static final EventType BARRIER_TYPE = EventType.getEventType(Barrier.class);
    static final EventType ROLL_TYPE = EventType.getEventType(Roll.class);
    static final EventType REPAIR_TYPE = EventType.getEventType(Repair.class);
    static final EventType POISONED_TYPE = EventType.getEventType(Poisoned.class);

    /** A durability barrier ({@code flushAndSync}, the syncer's, or the watermark's): its duration is the barrier's. */
    @Name("io.durability.Barrier")
    @Label("WAL Barrier")
    @Category("Durability")
    @Description("A durability barrier of a WAL writer: the ranges forced, and the entries it made durable")
    @StackTrace(false)
    static final class Barrier extends Event
    {
        @Label("WAL folder")
        String walDir;

        @Label("Segment")
        long segmentId;

        @Label("Bytes forced")
        @DataAmount
        long bytes;

        @Label("Durable through entry")
        long durableEntryId;

        @Label("Sealed segments forced")
        int sealedSegments;

        @Label("Watermark only")
        @Description("A barrier that records the exact watermark (syncWatermark, or the syncer when quiet)")
        boolean exact;
    }

    /** A roll to a new segment, on the appending thread. */
    @Name("io.durability.Roll")
    @Label("WAL Roll")
    @Category("Durability")
    @Description("A WAL writer's roll to a new segment, on the appending thread")
    @StackTrace(false)
    static final class Roll extends Event
    {
        @Label("WAL folder")
        String walDir;

        @Label("New segment")
        long segmentId;

        @Label("First entry")
        long startEntryId;

        @Label("Named ahead")
        @Description("The segment was ready (named ahead): no system call at the roll")
        boolean namedAhead;
    }

    /** What {@code resume} changed when it opened a WAL. */
    @Name("io.durability.Repair")
    @Label("WAL Repair")
    @Category("Durability")
    @Description("What WalWriter.resume cut, zeroed or dropped when it opened a WAL")
    @StackTrace(false)
    static final class Repair extends Event
    {
        @Label("WAL folder")
        String walDir;

        @Label("Report")
        String report;

        @Label("Entries cut")
        boolean cutEntries;

        @Label("Next entry")
        long nextEntryId;
    }

    /** A failed barrier poisoned a writer. */
    @Name("io.durability.Poisoned")
    @Label("WAL Writer Poisoned")
    @Category("Durability")
    @Description("A failed barrier: the writer refuses every later call; reopen with resume")
    static final class Poisoned extends Event
    {
        @Label("WAL folder")
        String walDir;

        @Label("Cause")
        String cause;
    }
}
