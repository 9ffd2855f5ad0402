package io.durability.walog;

/**
 * A snapshot of what one {@link WalWriter} did since it was opened ({@link WalWriter#metrics()}):
 * counters a service can export. Taking one is cheap and safe from any thread (the writer publishes
 * each counter with a release store; a snapshot reads each with acquire), so a monitoring thread may
 * poll it; the counters of one snapshot are each exact but not taken at one single instant.
 *
 * @param appends              entries appended (by {@code append}, {@code appendBatch} or a committed claim).
 * @param bytesAppended        frame bytes written for them (24-byte headers and padding included).
 * @param rolls                new segments rolled to.
 * @param rollsWithoutSpare    of them, those that found no segment named ahead ready ({@link NextSegment}):
 *                             they created the file on the appending thread, or waited for the one being
 *                             named. Every roll under {@link NextSegment#AT_ROLL}.
 * @param barriers             completed {@code flushAndSync} calls.
 * @param barrierNanosTotal    time spent in them, in nanoseconds.
 * @param barrierNanosMax      the longest of them, in nanoseconds.
 * @param acknowledgedEntryId  the last entry id a completed {@code flushAndSync} of this writer covered
 *                             (0 when none yet): what is acknowledged, so protected (see {@link WalWriter}).
 * @param lastEntryId          the last entry id appended (visible, not necessarily durable).
 * @param repaired             whether {@link WalWriter#resume} changed anything when it opened the WAL
 *                             (see {@link WalWriter#repairReport()}).
 * @param poisoned             whether a failed barrier poisoned the writer.
 */
public record WalMetrics(
    long appends, long bytesAppended, long rolls, long rollsWithoutSpare, long barriers, long barrierNanosTotal, long barrierNanosMax,
    long acknowledgedEntryId, long lastEntryId, boolean repaired, boolean poisoned)
{
}
