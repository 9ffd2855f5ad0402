package io.durability.recover;

import io.durability.checkpoint.CheckpointFile;
import io.durability.codec.Codec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.FrameFilter;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class RecoveryTest
{
    /** A one-byte op: +1 or -1. */
    static final Codec<Integer> OP = new Codec<>()
    {
        @Override
        public int encode(final Integer value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            if (maxLength < 1)
            {
                return DOES_NOT_FIT;
            }
            buffer.putByte(offset, value.byteValue());
            return 1;
        }

        @Override
        public Integer decode(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length != 1)
            {
                throw DurabilityException.decode("op is one byte", 0, 1, length);
            }
            return (int)buffer.getByte(offset);
        }
    };

    /** A long counter as checkpoint state. */
    static final Codec<Long> COUNTER = new Codec<>()
    {
        @Override
        public int encode(final Long value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            if (maxLength < 8)
            {
                return DOES_NOT_FIT;
            }
            buffer.putLong(offset, value);
            return 8;
        }

        @Override
        public Long decode(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length != 8)
            {
                throw DurabilityException.decode("counter is 8 bytes", 0, 8, length);
            }
            return buffer.getLong(offset);
        }
    };

    private static Recovered<Long> recoverCounter(final Directory dir, final String cp, final RecoveryOptions options)
    {
        return RecoverySpec.<Long, Long, Integer>of(COUNTER, OP, c -> c.orElse(0L), (s, id, op) -> s + op)
            .withOptions(options).recoverFrom(dir, cp);
    }

    @Test
    void genericRecoveryFoldsTheWal()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<Integer> w = WalWriter.create(dir, OP))
        {
            w.append(1);
            w.append(1);
            w.append(-1);
        }
        final Recovered<Long> r = recoverCounter(dir, null, RecoveryOptions.strict());
        assertEquals(1L, r.state());
        assertEquals(3, r.lastEntryId());
        assertNull(r.checkpointPath());
        assertEquals(3, r.replayed());
    }

    @Test
    void checkpointThenOnlyTheSuffixIsApplied()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<Integer> w = WalWriter.create(dir, OP))
        {
            for (int i = 0; i < 10; i++)
            {
                w.append(1);
            }
        }
        CheckpointFile.write(dir, "cp.chk", 6, 100L, COUNTER);
        final Recovered<Long> r = recoverCounter(dir, "cp.chk", RecoveryOptions.strict());
        assertEquals(104L, r.state(), "checkpoint value plus entries 7..10");
        assertEquals(10, r.lastEntryId());
        assertEquals(4, r.replayed());
        assertEquals("cp.chk", r.checkpointPath());
        assertEquals(102L, recoverCounter(dir, "cp.chk", RecoveryOptions.upTo(8)).state(), "point in time");
        assertEquals(10L, recoverCounter(dir, "absent.chk", RecoveryOptions.strict()).state(), "missing = empty");
    }

    @Test
    void corruptCheckpointIsAnErrorWhenStrictAndIgnoredWhenBestEffort()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<Integer> w = WalWriter.create(dir, OP))
        {
            w.append(1);
            w.append(1);
        }
        CheckpointFile.write(dir, "cp.chk", 1, 50L, COUNTER);
        final byte[] b = dir.readFile("cp.chk", 100);
        b[b.length - 1] ^= 1;
        dir.atomicWrite("cp.chk", b);
        assertEquals(Kind.CRC_MISMATCH,
            assertThrows(DurabilityException.class, () -> recoverCounter(dir, "cp.chk", RecoveryOptions.strict())).kind());
        final Recovered<Long> r = recoverCounter(dir, "cp.chk", RecoveryOptions.bestEffort());
        assertEquals(2L, r.state(), "rebuilt from the WAL alone");
        assertNull(r.checkpointPath());
    }

    @Test
    void aHoleBetweenCheckpointAndWalIsAnErrorNotASilentlyIncompleteState()
    {
        final Directory dir = new MemoryDirectory();
        final WalOptions small = WalOptions.defaults().withSegmentCapacity(512);
        try (WalWriter<Integer> w = WalWriter.create(dir, OP, small))
        {
            for (int i = 0; i < 200; i++)
            {
                w.append(1);
            }
            w.deleteSegmentsCoveredBy(150);
        }
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> RecoverySpec.<Long, Long, Integer>of(
            COUNTER, OP, c -> c.orElse(0L), (s, id, op) -> s + op).withWalOptions(small)
            .withOptions(RecoveryOptions.bestEffort()).recoverFrom(dir, null));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("does not continue"), ex.getMessage());
    }

    @Test
    void recoveryManagerAppliesCheckpointThenWalAsTheSeedDoes()
    {
        final Directory dir = new MemoryDirectory();
        CheckpointFile.write(dir, "checkpoints/c1.chk", 0,
            SegmentIndexState.of(List.of(new SegmentIndexState.Segment(7, 3, List.of(0L)))), SegmentIndexCodec.INSTANCE);
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(7, 2))));
            w.append(new WalEntry.AddSegment(9, 5));
        }
        final Recovered<SegmentIndexState> r = new RecoveryManager(dir).recover("checkpoints/c1.chk");
        assertEquals(2, r.lastEntryId());
        assertEquals(List.of(
            new SegmentIndexState.Segment(7, 3, List.of(0L, 2L)),
            new SegmentIndexState.Segment(9, 5, List.of())), r.state().segments());
    }

    @Test
    void mergesReplaceOldSegmentsAndKeepOnlyRemappedDeletesOfTheNewOne()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 10));
            w.append(new WalEntry.AddSegment(2, 20));
            w.append(new WalEntry.StartMerge(5, List.of(1L, 2L)));
            w.append(new WalEntry.CancelMerge(5, List.of(1L, 2L)));
            w.append(new WalEntry.StartMerge(6, List.of(1L, 2L)));
            w.append(new WalEntry.EndMerge(6, 3, List.of(1L, 2L),
                List.of(new WalEntry.DocRef(3, 4), new WalEntry.DocRef(1, 9))));
            w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 1), new WalEntry.DocRef(3, 0))));
        }
        final Recovered<SegmentIndexState> r = new RecoveryManager(dir).recover(null);
        assertEquals(List.of(new SegmentIndexState.Segment(3, 0, List.of(0L, 4L))), r.state().segments());
    }

    @Test
    void recoverLatestRejectsMarkersPointingOutsideTheDirectory()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 10));
            w.append(new WalEntry.Checkpoint("../../etc/passwd", 1));
        }
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> new RecoveryManager(dir).recoverLatestBestEffort());
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("outside the directory"), ex.getMessage());
        assertEquals("../../etc/passwd", ex.file());

        final Directory abs = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(abs, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.Checkpoint("/tmp/x.chk", 0));
        }
        assertThrows(DurabilityException.class, () -> new RecoveryManager(abs).recoverLatest());
        assertThrows(DurabilityException.class, () -> new RecoveryManager(abs).recover("/tmp/x.chk"));
    }

    @Test
    void recoverLatestFallsBackToAnOlderCheckpointWhenTheNewestIsMissingOrUnreadable()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 10));
            CheckpointFile.write(dir, "cp/1.chk", 1, SegmentIndexModel0.upTo1(), SegmentIndexCodec.INSTANCE);
            w.append(new WalEntry.Checkpoint("cp/1.chk", 1));
            w.append(new WalEntry.AddSegment(2, 20));
            w.append(new WalEntry.Checkpoint("cp/missing.chk", 3));
            w.append(new WalEntry.AddSegment(3, 30));
        }
        final Recovered<SegmentIndexState> r = new RecoveryManager(dir).recoverLatest();
        assertEquals("cp/1.chk", r.checkpointPath());
        assertEquals(5, r.lastEntryId());
        assertEquals(3, r.state().segments().size());

        CheckpointFile.write(dir, "cp/missing.chk", 3, new SegmentIndexState(), SegmentIndexCodec.INSTANCE);
        final byte[] b = dir.readFile("cp/missing.chk", 1000);
        b[b.length - 1] ^= 1;
        dir.atomicWrite("cp/missing.chk", b);
        assertThrows(DurabilityException.class, () -> new RecoveryManager(dir).recoverLatest());
        assertEquals("cp/1.chk", new RecoveryManager(dir).recoverLatestBestEffort().checkpointPath());
    }

    @Test
    void recoverLatestDecodesOnlyTheMarkersAndWhatTheCheckpointDoesNotCover()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 10));
            CheckpointFile.write(dir, "cp/1.chk", 1, SegmentIndexModel0.upTo1(), SegmentIndexCodec.INSTANCE);
            w.append(new WalEntry.Checkpoint("cp/1.chk", 1));
            w.append(new WalEntry.AddSegment(2, 20));
        }
        // Counts what the WAL codec decodes: the marker scan may decode only the marker (entry 2), the
        // replay only what follows the checkpoint (entries 2 and 3).
        final List<Long> decodedIds = new ArrayList<>();
        final RecoverySpec<SegmentIndexState, SegmentIndexState, WalEntry> counting = new RecoveryManager(dir)
            .spec(RecoveryOptions.strict());
        final FrameFilter spy = (id, buffer, offset, length) ->
        {
            final boolean marker = WalEntryCodec.isCheckpointFrame(id, buffer, offset, length);
            if (marker)
            {
                decodedIds.add(id);
            }
            return marker;
        };
        final Recovered<SegmentIndexState> r = counting.withMarkerFrames(spy).recoverLatest(dir);
        assertEquals("cp/1.chk", r.checkpointPath());
        assertEquals(3, r.lastEntryId());
        assertEquals(2, r.replayed(), "the marker and the entry after it; entry 1 is the checkpoint's");
        assertEquals(List.of(2L), decodedIds);
        assertEquals(2, r.state().segments().size());

        // A marker test that declines the marker makes recovery miss it: from entry 1, no checkpoint.
        final Recovered<SegmentIndexState> blind = counting.withMarkerFrames((id, b, o, l) -> false).recoverLatest(dir);
        assertNull(blind.checkpointPath());
        assertEquals(3, blind.replayed());
        assertEquals(r.state(), blind.state());
    }

    @Test
    void recoverLatestWithoutCheckpointNeedsTheWholeWal()
    {
        final Directory dir = new MemoryDirectory();
        final WalOptions small = WalOptions.defaults().withSegmentCapacity(512);
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, small))
        {
            for (int i = 0; i < 100; i++)
            {
                w.append(new WalEntry.AddSegment(i, i));
            }
            w.deleteSegmentsCoveredBy(50);
        }
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> new RecoveryManager(dir, small).recoverLatest());
        assertEquals(Kind.INVALID_STATE, ex.kind());
    }

    @Test
    void bestEffortToleratesATornWalTail()
    {
        final Directory dir = new MemoryDirectory();
        final java.util.Map<String, byte[]> crash;
        try (WalWriter<Integer> w = WalWriter.create(dir, OP))
        {
            for (int i = 0; i < 40; i++)
            {
                w.append(1);
            }
            crash = io.durability.testing.Damage.capture(dir, "wal");
        }
        io.durability.testing.Damage.restore(dir, "wal", crash);
        // A power cut lost the second sector while the third reached the disk: 14 frames of 32 bytes
        // fit in [64, 512), so best effort keeps 14 entries.
        io.durability.testing.Damage.zero(dir, "wal/wal-1.seg", 512, 1024);
        assertThrows(DurabilityException.class, () -> recoverCounter(dir, null, RecoveryOptions.strict()));
        assertEquals(14L, recoverCounter(dir, null, new RecoveryOptions(ReplayMode.BEST_EFFORT, false, Long.MAX_VALUE)).state());
    }

    /** Helper state for the fallback test. */
    static final class SegmentIndexModel0
    {
        static SegmentIndexState upTo1()
        {
            final SegmentIndexState s = new SegmentIndexState();
            s.putSegment(1, 10);
            return s;
        }
    }

    @Test
    void initSeesTheCheckpointState()
    {
        final Directory dir = new MemoryDirectory();
        WalWriter.create(dir, OP).close();
        CheckpointFile.write(dir, "cp.chk", 0, 7L, COUNTER);
        final Optional<?>[] seen = new Optional<?>[1];
        RecoverySpec.<Long, Long, Integer>of(COUNTER, OP, c ->
        {
            seen[0] = c;
            return c.orElse(0L);
        }, (s, id, op) -> s + op).recoverFrom(dir, "cp.chk");
        assertEquals(Optional.of(7L), seen[0]);
    }

    @Test
    void aSpecIsImmutableAndRecoverLatestWithoutMarkersIsRefusedClearly()
    {
        final Directory dir = new MemoryDirectory();
        try (WalWriter<Integer> w = WalWriter.create(dir, OP))
        {
            w.append(2);
            w.append(3);
        }
        final RecoverySpec<Long, Long, Integer> base =
            RecoverySpec.of(COUNTER, OP, c -> c.orElse(0L), (s, id, op) -> s + op);
        final RecoverySpec<Long, Long, Integer> upToOne = base.withOptions(RecoveryOptions.upTo(1));
        assertEquals(5L, base.recoverFrom(dir, null).state(), "withOptions returned a copy");
        assertEquals(2L, upToOne.recoverFrom(dir, null).state());
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> base.recoverLatest(dir));
        assertEquals(Kind.INVALID_CONFIG, ex.kind());
        assertTrue(ex.getMessage().contains("withMarkers"), ex.getMessage());
        assertEquals(5L, base.withMarkers(op -> null).recoverLatest(dir).state(), "no marker: from entry 1");
    }
}
