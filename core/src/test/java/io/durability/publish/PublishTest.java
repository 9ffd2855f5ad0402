package io.durability.publish;

import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.FaultInjectingDirectory;
import io.durability.testing.FaultInjectingDirectory.Op;
import io.durability.testing.PowerLossDirectory;
import io.durability.testing.SegmentIndexModel;
import io.durability.testing.SyncRecordingDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalLayout;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PublishTest
{
    static final WalOptions SMALL = WalOptions.defaults().withSegmentCapacity(1024).withSaltSeed(11);

    /** Appends {@code n} random entries, tracking them in {@code log}. */
    static void appendRandom(final WalWriter<WalEntry> w, final SplittableRandom r, final int n, final List<WalEntry> log)
    {
        for (int i = 0; i < n; i++)
        {
            final WalEntry e = SegmentIndexModel.randomEntry(r);
            w.append(e);
            log.add(e);
        }
    }

    /** Recovers and checks against the model of {@code log}. */
    static Recovered<SegmentIndexState> assertRecovers(final Directory dir, final List<WalEntry> log)
    {
        final Recovered<SegmentIndexState> r = new RecoveryManager(dir, SMALL).recoverLatest();
        assertEquals(SegmentIndexModel.of(log), r.state());
        return r;
    }

    private void lifecycle(final Directory dir)
    {
        final SplittableRandom r = new SplittableRandom(7);
        final List<WalEntry> log = new ArrayList<>();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, SMALL))
        {
            final CheckpointPublisher<SegmentIndexState, WalEntry> publisher = CheckpointPublisher.forSegmentIndex(dir, w);
            appendRandom(w, r, 80, log);
            final long segmentsBefore = WalLayout.segmentIds(dir, "wal").length;
            final PublishResult p = publisher.publish(SegmentIndexModel.of(log), w.lastEntryId());
            assertEquals(dir.supportsDurability(), p.durable());
            assertEquals(80, p.checkpointLastEntryId());
            assertEquals(81, p.markerEntryId());
            assertTrue(p.deletedSegments() > 0, "segments covered by the checkpoint are deleted");
            assertEquals(p.deletedSegments() + 1, WalLayout.segmentIds(dir, "wal")[0], "oldest segments went first");
            assertTrue(segmentsBefore >= p.deletedSegments());
            assertTrue(dir.exists(p.checkpointPath()));
            appendRandom(w, r, 30, log);
        }
        final Recovered<SegmentIndexState> rec = assertRecovers(dir, log);
        assertEquals("checkpoints/checkpoint-00000000000000000080.chk", rec.checkpointPath());
        assertEquals(111, rec.lastEntryId());
    }

    @Test
    void publishWritesMarksAndTruncatesOnMemory()
    {
        lifecycle(new MemoryDirectory());
    }

    @Test
    void publishWritesMarksAndTruncatesDurably()
    {
        final SyncRecordingDirectory dir = new SyncRecordingDirectory();
        lifecycle(dir);
        final List<String> barriers = dir.barriers();
        final int checkpoint = indexOf(barriers, "atomicwrite checkpoints/");
        final int markerSync = lastIndexBefore(barriers, "force wal/", barriers.size());
        assertTrue(checkpoint >= 0 && checkpoint < markerSync, "checkpoint durable before the marker: " + barriers);
    }

    private static int indexOf(final List<String> list, final String prefix)
    {
        for (int i = 0; i < list.size(); i++)
        {
            if (list.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexBefore(final List<String> list, final String prefix, final int end)
    {
        for (int i = end - 1; i >= 0; i--)
        {
            if (list.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    @Test
    void checkpointCannotIncludeEntriesTheWalDoesNotHave()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, SMALL))
        {
            w.append(new WalEntry.AddSegment(1, 1));
            assertEquals(DurabilityException.Kind.INVALID_CONFIG, assertThrows(DurabilityException.class,
                () -> CheckpointPublisher.forSegmentIndex(dir, w).publish(new SegmentIndexState(), 5)).kind());
        }
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void aFailureAtAnyStepOfPublishNeverReducesRecoverability(final Op op)
    {
        // Count the calls of this kind one publish makes, then fail each of them in turn.
        final int calls;
        {
            final FaultInjectingDirectory dry = new FaultInjectingDirectory(new SyncRecordingDirectory());
            try (WalWriter<WalEntry> w = WalWriter.create(dry, WalEntryCodec.INSTANCE, SMALL))
            {
                appendRandom(w, new SplittableRandom(1), 60, new ArrayList<>());
                w.flushAndSync();
                dry.failOn(op, Integer.MAX_VALUE);
                CheckpointPublisher.forSegmentIndex(dry, w).publish(new SegmentIndexState(), 30);
                calls = dry.count(op);
            }
        }
        for (int nth = 0; nth < calls; nth++)
        {
            final FaultInjectingDirectory dir = new FaultInjectingDirectory(new SyncRecordingDirectory());
            final List<WalEntry> log = new ArrayList<>();
            final int segmentsBefore;
            boolean markerDurable = false;
            try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, SMALL))
            {
                appendRandom(w, new SplittableRandom(1), 60, log);
                w.flushAndSync();
                segmentsBefore = WalLayout.segmentIds(dir, "wal").length;
                dir.failOn(op, nth);
                final CheckpointPublisher<SegmentIndexState, WalEntry> publisher = CheckpointPublisher.forSegmentIndex(dir, w);
                try
                {
                    publisher.publish(SegmentIndexModel.of(log.subList(0, 30)), 30);
                    fail("fault " + op + " #" + nth + " did not surface");
                }
                catch (final DurabilityException expected)
                {
                    assertTrue(dir.fired());
                    assertTrue(expected.getMessage().contains("injected fault"), expected.getMessage());
                }
                final List<String> events = ((SyncRecordingDirectory)dir.delegate()).barriers();
                final int checkpointDurable = lastIndexBefore(events, "syncdir checkpoints/", events.size());
                final int firstDelete = indexOf(events, "delete wal/");
                final int markerForced = checkpointDurable < 0 ? -1 :
                    indexOfAfter(events, "force wal/", checkpointDurable);
                markerDurable = markerForced >= 0;
                if (firstDelete >= 0)
                {
                    assertTrue(checkpointDurable >= 0 && markerForced >= 0 && markerForced < firstDelete,
                        op + " #" + nth + ": a segment was deleted before checkpoint and marker were durable: " + events);
                }
            }
            final int segmentsAfter = WalLayout.segmentIds(dir, "wal").length;
            if (!markerDurable)
            {
                assertEquals(segmentsBefore, segmentsAfter, op + " #" + nth + ": nothing deleted before the marker is durable");
            }
            final Recovered<SegmentIndexState> r = new RecoveryManager(dir, SMALL).recoverLatest();
            assertEquals(SegmentIndexModel.of(log), r.state(), op + " #" + nth);
            assertEquals(60, r.lastEntryId() - (r.lastEntryId() > 60 ? 1 : 0), "all appended entries recovered");
        }
    }

    private static int indexOfAfter(final List<String> list, final String prefix, final int after)
    {
        for (int i = after + 1; i < list.size(); i++)
        {
            if (list.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        return -1;
    }

    @Test
    void soakOfManyPublishTruncateResumeCycles()
    {
        final long seed = 20261125L;
        final SplittableRandom r = new SplittableRandom(seed);
        final Directory dir = new SyncRecordingDirectory();
        final List<WalEntry> log = new ArrayList<>();
        for (int cycle = 0; cycle < 150; cycle++)
        {
            try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, SMALL))
            {
                appendRandom(w, r, 1 + r.nextInt(40), log);
                if (r.nextInt(3) > 0)
                {
                    final long upTo = w.lastEntryId();
                    CheckpointPublisher.forSegmentIndex(dir, w).publish(new RecoveryManager(dir, SMALL).recoverLatest().state(), upTo);
                }
                else
                {
                    w.flushAndSync();
                }
            }
            if (cycle % 10 == 0)
            {
                assertEquals(SegmentIndexModel.of(log), new RecoveryManager(dir, SMALL).recoverLatest().state(),
                    "cycle " + cycle + " seed " + seed);
            }
        }
        assertEquals(SegmentIndexModel.of(log), new RecoveryManager(dir, SMALL).recoverLatest().state(), "seed " + seed);
        assertTrue(WalLayout.segmentIds(dir, "wal").length < 20, "truncation keeps the WAL bounded");
    }

    @Test
    void crashLoopWithPowerLossAtEveryPublishBarrier()
    {
        // After each published checkpoint, cut power at a random point of the next round; restoring only
        // what barriers made durable, strict recoverLatest returns at least the last published state.
        final long seed = 42L;
        final SplittableRandom r = new SplittableRandom(seed);
        PowerLossDirectory dir = new PowerLossDirectory();
        final List<WalEntry> log = new ArrayList<>();
        long published = 0;
        for (int cycle = 0; cycle < 200; cycle++)
        {
            final long cutAtBarrier = dir.barriers() + 1 + r.nextInt(8);
            try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, SMALL))
            {
                final long resumedAt = w.lastEntryId();
                assertTrue(resumedAt >= published, "cycle " + cycle + " seed " + seed);
                log.subList((int)resumedAt, log.size()).clear();
                while (dir.barriers() < cutAtBarrier)
                {
                    appendRandom(w, r, 1 + r.nextInt(20), log);
                    CheckpointPublisher.forSegmentIndex(dir, w).publish(SegmentIndexModel.of(log), w.lastEntryId());
                    published = w.lastEntryId(); // the marker entry
                    log.add(new WalEntry.Checkpoint("marker", 0));
                }
                appendRandom(w, r, r.nextInt(10), log);
            }
            dir = dir.powerCutKeepingOnlyDurable();
            final Recovered<SegmentIndexState> rec = new RecoveryManager(dir, SMALL).recoverLatest();
            assertTrue(rec.lastEntryId() >= published, "published state survives; cycle " + cycle + " seed " + seed);
            assertEquals(SegmentIndexModel.of(log.subList(0, (int)rec.lastEntryId())), rec.state(),
                "cycle " + cycle + " seed " + seed);
        }
    }

    @Test
    void randomPowerCutsNeverLoseAcknowledgedEntriesAndNeverInventAny()
    {
        final long seed = 4242L;
        final SplittableRandom r = new SplittableRandom(seed);
        PowerLossDirectory dir = new PowerLossDirectory();
        final List<WalEntry> log = new ArrayList<>();
        long acked = 0;
        for (int cycle = 0; cycle < 300; cycle++)
        {
            try (WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, SMALL))
            {
                log.subList((int)w.lastEntryId(), log.size()).clear();
                for (int step = r.nextInt(6); step >= 0; step--)
                {
                    appendRandom(w, r, 1 + r.nextInt(15), log);
                    if (r.nextBoolean())
                    {
                        CheckpointPublisher.forSegmentIndex(dir, w).publish(SegmentIndexModel.of(log), w.lastEntryId());
                        log.add(new WalEntry.Checkpoint("marker", 0));
                        acked = w.lastEntryId();
                    }
                    else if (r.nextBoolean())
                    {
                        w.flushAndSync();
                        acked = w.lastEntryId();
                    }
                }
            }
            dir = dir.powerCut(r);
            final Recovered<SegmentIndexState> rec = new RecoveryManager(dir, SMALL).recoverLatestBestEffort();
            assertTrue(rec.lastEntryId() >= acked, "acknowledged entries survive; cycle " + cycle + " seed " + seed);
            assertEquals(SegmentIndexModel.of(log.subList(0, (int)rec.lastEntryId())), rec.state(),
                "a prefix, no garbage; cycle " + cycle + " seed " + seed);
        }
    }
}
