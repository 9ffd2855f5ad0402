package io.durability.publish;

import io.durability.recover.Recovered;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.Directory;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.SegmentIndexModel;
import io.durability.testing.SyncRecordingDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PublishProperties
{
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentCapacity(1024);

    private static List<WalEntry> workload(final long seed, final int n)
    {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<WalEntry> ops = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            ops.add(SegmentIndexModel.randomEntry(r));
        }
        return ops;
    }

    @Property(tries = 60, seed = "20261205")
    void recoveryFromCheckpointPlusSuffixEqualsTheModel(
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 150) final int n,
        @ForAll @IntRange(min = 0, max = 150) final int checkpointAt,
        @ForAll final boolean durable)
    {
        // A checkpoint of ops 1..k plus WAL ops k+1..n recovers the state of applying all n ops.
        final Directory dir = durable ? new SyncRecordingDirectory() : new MemoryDirectory();
        final List<WalEntry> ops = workload(seed, n);
        final int k = Math.min(checkpointAt, n);
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, SMALL))
        {
            ops.forEach(w::append);
            CheckpointPublisher.forSegmentIndex(dir, w).publish(SegmentIndexModel.of(ops.subList(0, k)), k);
        }
        final Recovered<SegmentIndexState> r = new RecoveryManager(dir, SMALL).recoverLatest();
        assertEquals(SegmentIndexModel.of(ops), r.state());
        assertEquals(n + 1, r.lastEntryId(), "every op and the marker");
    }

    @Property(tries = 60, seed = "20261206")
    void checkpointCadenceDoesNotChangeTheRecoveredState(
        @ForAll final long seed,
        @ForAll @IntRange(min = 1, max = 200) final int n,
        @ForAll @IntRange(min = 1, max = 60) final int cadence)
    {
        // Publishing (and truncating) every `cadence` ops recovers the same state as never publishing.
        final List<WalEntry> ops = workload(seed, n);
        final Directory never = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(never, WalEntryCodec.INSTANCE, SMALL))
        {
            ops.forEach(w::append);
        }
        final Directory often = new SyncRecordingDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(often, WalEntryCodec.INSTANCE, SMALL))
        {
            final List<WalEntry> applied = new ArrayList<>();
            for (final WalEntry op : ops)
            {
                w.append(op);
                applied.add(op);
                if (applied.size() % cadence == 0)
                {
                    CheckpointPublisher.forSegmentIndex(often, w).publish(SegmentIndexModel.of(applied), w.lastEntryId());
                }
            }
        }
        final SegmentIndexState expected = new RecoveryManager(never, SMALL).recoverLatest().state();
        assertEquals(SegmentIndexModel.of(ops), expected);
        assertEquals(expected, new RecoveryManager(often, SMALL).recoverLatest().state());
    }
}
