package io.durability.walog;

import io.durability.internal.frame.SegmentAppender;
import io.durability.storage.DurabilityException;
import io.durability.testing.SyncRecordingDirectory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The durability room on its own ({@link Barriers}), driven as the appending thread drives it: frames
 * committed straight into a {@link SegmentAppender}, published through {@link AppendCounters}, rolls
 * announced with {@link Barriers#rolled}. What each barrier forces and in which order, what it
 * acknowledges, and what a failed one leaves.
 */
class BarriersTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096);

    private final SyncRecordingDirectory dir = new SyncRecordingDirectory();
    private final List<Long> told = new ArrayList<>();
    private final List<DurabilityException> failures = new ArrayList<>();
    private final WalOptions options = OPTIONS.withDurabilityListener(new DurabilityListener()
    {
        @Override
        public void onDurable(final long lastDurableId)
        {
            told.add(lastDurableId);
        }

        @Override
        public void onFailure(final DurabilityException failure)
        {
            failures.add(failure);
        }
    });
    private final WalOpening.Opened opened = WalOpening.create(dir, options, 0);
    private final AppendCounters counters = new AppendCounters(0);
    private final Barriers barriers = new Barriers(dir, options, counters, opened);
    private SegmentAppender current = opened.current();

    private long append(final int length)
    {
        final int frame = current.claim(length);
        return counters.appended(current.commit(frame, length), length);
    }

    private void roll()
    {
        final SegmentAppender old = current;
        old.seal();
        current = opened.segments().create(old.segmentId() + 1, old.nextEntryId());
        if (barriers.rolled(old, current))
        {
            old.file().close();
        }
    }

    @Test
    void aBarrierSyncsTheFolderOnceForcesTheFramesAndAcknowledgesWhatWasPublished() throws Exception
    {
        final CompletableFuture<Long> third = barriers.whenDurable(3);
        for (int i = 0; i < 3; i++)
        {
            append(100);
        }
        assertFalse(third.isDone(), "appended is not durable");
        barriers.barrier(false);
        assertEquals(3, barriers.lastDurableId());
        assertEquals(3L, third.get(1, TimeUnit.SECONDS));
        assertEquals(List.of(3L), told);
        final List<String> first = dir.barriers();
        assertEquals("syncdir wal/wal-1.seg", first.get(0), "the new segment's folder entry first: " + first);
        assertTrue(first.get(first.size() - 1).startsWith("force wal/wal-1.seg"), first.toString());

        append(100);
        barriers.barrier(false);
        final List<String> second = dir.barriers().subList(first.size(), dir.barriers().size());
        assertEquals(1, second.size(), "no folder sync without a new segment: " + second);
        assertTrue(second.get(0).startsWith("force wal/wal-1.seg"), second.toString());
        assertEquals(4, barriers.lastDurableId());
        assertEquals(2, barriers.count());
    }

    @Test
    void aBarrierAfterARollSyncsTheSealedSegmentAndTheFolderBeforeTheCurrentOne()
    {
        append(100);
        barriers.barrier(false);
        final int before = dir.barriers().size();
        append(100);
        roll();
        append(100);
        barriers.barrier(false);
        final List<String> after = dir.barriers().subList(before, dir.barriers().size());
        assertEquals("syncfile wal/wal-1.seg", after.get(0), after.toString());
        assertEquals("syncdir wal/wal-2.seg", after.get(1), after.toString());
        assertTrue(after.get(2).startsWith("force wal/wal-2.seg"), after.toString());
        assertEquals(3, barriers.lastDurableId());
        assertEquals(1, dir.openSegments(), "the sealed segment was closed at the roll");
    }

    @Test
    void theExactWatermarkIsRecordedOnceAfterABarrierAndNotAgain()
    {
        append(100);
        barriers.barrier(false);
        assertTrue(barriers.watermarkBehind(), "a barrier proved frames the header does not record yet");
        final int before = dir.barriers().size();
        barriers.barrier(true);
        assertFalse(barriers.watermarkBehind());
        assertTrue(dir.barriers().size() > before, "the header was forced");
        final int recorded = dir.barriers().size();
        barriers.barrier(true);
        assertEquals(recorded, dir.barriers().size(), "nothing new to record: no barrier");
    }

    @Test
    void aFailedBarrierPoisonsEveryLaterCallAndFailsTheWaiters()
    {
        append(100);
        final CompletableFuture<Long> waiter = barriers.whenDurable(1);
        dir.failNextBarriers(1);
        final DurabilityException failed = assertThrows(DurabilityException.class, () -> barriers.barrier(false));
        assertEquals(DurabilityException.Kind.IO, failed.kind());
        assertTrue(barriers.poisoned());
        assertEquals(0, barriers.lastDurableId(), "nothing acknowledged by a failed barrier");
        final ExecutionException waited = assertThrows(ExecutionException.class, () -> waiter.get(1, TimeUnit.SECONDS));
        assertTrue(waited.getCause().getMessage().contains("entry 1 will never be reported durable") &&
            waited.getCause().getMessage().contains(failed.getMessage()), waited.getCause().getMessage());
        assertEquals(List.of(failed), failures);
        final DurabilityException later = assertThrows(DurabilityException.class, () -> barriers.barrier(false));
        assertEquals(DurabilityException.Kind.INVALID_STATE, later.kind());
        assertEquals(DurabilityException.Kind.INVALID_STATE,
            assertThrows(DurabilityException.class, barriers::checkNotPoisoned).kind());
        assertTrue(told.isEmpty());
    }

    @Test
    void closingFailsTheWaitersOfIdsThatWillNeverExist() throws Exception
    {
        append(100);
        barriers.barrier(false);
        final CompletableFuture<Long> beyond = barriers.whenDurable(2);
        barriers.closed(DurabilityException.invalidState("WAL writer closed", "wal"), 1);
        final ExecutionException ex = assertThrows(ExecutionException.class, () -> beyond.get(1, TimeUnit.SECONDS));
        assertEquals(DurabilityException.Kind.INVALID_STATE, ((DurabilityException)ex.getCause()).kind());
        assertEquals(1L, barriers.whenDurable(1).get(1, TimeUnit.SECONDS), "an acknowledged id stays acknowledged");
    }
}
