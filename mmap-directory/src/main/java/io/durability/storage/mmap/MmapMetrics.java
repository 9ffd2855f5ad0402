package io.durability.storage.mmap;

/**
 * A snapshot of how an {@link MmapDirectory} created segments ({@link MmapDirectory#metrics()}):
 * whether rolls found a prepared spare or waited for one, safe to take from any thread.
 *
 * @param segmentsCreated   segment files created.
 * @param fromSpares        of them, renames of a spare prepared in the background (a roll's cheap path).
 * @param allocatedInline   of them, allocated and zero-filled on the calling thread (no spare was
 *                          prepared, or the one prepared could not be used).
 * @param spareWaits        creations that waited for a spare still being prepared.
 * @param spareWaitNanos    the time they waited, in nanoseconds.
 * @param spareFailures     spares that could not be used (their preparation or hand-over failed; logged).
 * @param pendingReleases   rolled segments whose unmap and close wait for the preparing thread (at most 8).
 */
public record MmapMetrics(
    long segmentsCreated, long fromSpares, long allocatedInline, long spareWaits, long spareWaitNanos,
    long spareFailures, int pendingReleases)
{
}
