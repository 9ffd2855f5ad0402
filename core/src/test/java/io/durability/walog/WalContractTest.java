package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The WAL's behaviour, run against every Directory implementation (subclasses supply one).
 */
public abstract class WalContractTest
{
    protected static final int SMALL_SEGMENT = 1024;
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;

    protected Directory dir;

    /** @return a fresh, empty directory. */
    protected abstract Directory newDirectory();

    /** Shorten a file to {@code length} bytes, as a partial copy would leave it. */
    protected abstract void truncateFile(Directory directory, String path, int length);

    @BeforeEach
    void openDirectory()
    {
        dir = newDirectory();
    }

    @AfterEach
    void closeDirectory()
    {
        dir.close();
    }

    protected static byte[] payload(final long id)
    {
        return ("entry-" + id + "-" + "x".repeat((int)(id % 37))).getBytes(StandardCharsets.UTF_8);
    }

    protected static WalOptions small()
    {
        return WalOptions.defaults().withSegmentCapacity(SMALL_SEGMENT);
    }

    protected WalWriter<byte[]> createWriter(final WalOptions options)
    {
        return WalWriter.create(dir, BytesCodec.INSTANCE, options);
    }

    protected void appendRange(final WalWriter<byte[]> w, final long from, final long to)
    {
        for (long id = from; id <= to; id++)
        {
            assertEquals(id, w.append(payload(id)));
        }
    }

    protected List<WalRecord<byte[]>> replay(final ReplayMode mode, final WalOptions options)
    {
        return new WalReader<>(dir, BytesCodec.INSTANCE, options).replay(mode);
    }

    protected static void assertPayloads(final List<WalRecord<byte[]>> records, final long from, final long to)
    {
        assertEquals(to - from + 1, records.size(), "entry count");
        for (int i = 0; i < records.size(); i++)
        {
            final long id = from + i;
            assertEquals(id, records.get(i).entryId());
            assertArrayEquals(payload(id), records.get(i).payload(), "payload of entry " + id);
        }
    }

    protected String seg(final long id)
    {
        return WalLayout.segmentPath("wal", id);
    }

    /** Sync when the directory can (so damage lands below the durable watermark), else nothing. */
    /** Options whose segments hold frames that cross 512-byte sectors (tears need one). */
    protected static WalOptions tearable()
    {
        return WalOptions.defaults().withSegmentCapacity(4096);
    }

    /**
     * Run {@code work} on a new writer and leave the files as a process crash right after it would
     * (the writer's clean close, which protects every frame, is undone).
     */
    protected void crashAfter(final WalOptions options, final java.util.function.Consumer<WalWriter<byte[]>> work)
    {
        final java.util.Map<String, byte[]> image;
        try (WalWriter<byte[]> w = createWriter(options))
        {
            work.accept(w);
            image = Damage.capture(dir, options.walDir());
        }
        Damage.restore(dir, options.walDir(), image);
    }

    protected void syncIfDurable(final WalWriter<?> w)
    {
        if (dir.supportsDurability())
        {
            w.flushAndSync();
        }
    }

    @Test
    void quickStartWithWalEntries()
    {
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE))
        {
            w.append(new WalEntry.AddSegment(1, 100));
            w.append(new WalEntry.DeleteDocuments(List.of(new WalEntry.DocRef(1, 42))));
            w.flush();
            assertEquals(2, w.lastEntryId());
        }
        final List<WalRecord<WalEntry>> records = new WalReader<>(dir, WalEntryCodec.INSTANCE).replay();
        assertEquals(2, records.size());
        assertEquals(1, records.get(0).entryId());
        assertEquals(new WalEntry.AddSegment(1, 100), records.get(0).payload());
    }

    @Test
    void idsStartAtOneAndIncreaseAcrossSegments()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            assertEquals(0, w.lastEntryId());
            appendRange(w, 1, 200);
            assertTrue(w.currentSegmentId() > 5, "small segments must have rolled");
            assertEquals(200, w.lastEntryId());
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 200);
    }

    @Test
    void createFailsWhenSegmentsExist()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            w.append(payload(1));
        }
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> createWriter(small()));
        assertEquals(Kind.INVALID_STATE, ex.kind());
        assertTrue(ex.getMessage().contains("resume"), ex.getMessage());
    }

    @Test
    void resumeOnEmptyDirectoryStartsAtOne()
    {
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(1, w.append(payload(1)));
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 1);
    }

    @Test
    void resumeContinuesIds()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 30);
        }
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(30, w.lastEntryId());
            appendRange(w, 31, 60);
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 60);
    }

    @Test
    void segmentsAreOrderedNumericallyNotLexicographically()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            long id = 1;
            while (w.currentSegmentId() < 12)
            {
                w.append(payload(id++));
            }
        }
        final List<String> names = dir.list("wal");
        assertTrue(names.indexOf("wal-10.seg") < names.indexOf("wal-2.seg"), "lexicographic listing: " + names);
        final List<WalRecord<byte[]>> records = replay(ReplayMode.STRICT, small());
        for (int i = 0; i < records.size(); i++)
        {
            assertEquals(i + 1, records.get(i).entryId());
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        for (int i = 0; i < ids.length; i++)
        {
            assertEquals(i + 1, ids[i]);
        }
    }

    @Test
    void everyNonFinalSegmentEndsWithASeal()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        for (int i = 0; i < ids.length; i++)
        {
            final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(ids[i]), KIND);
            final boolean sealed = !frames.isEmpty() && frames.get(frames.size() - 1).seal();
            assertEquals(i < ids.length - 1, sealed, "segment " + ids[i]);
        }
    }

    @Test
    void entryTooLargeForAnySegmentIsAnEncodeError()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            w.append(payload(1));
            final DurabilityException ex = assertThrows(
                DurabilityException.class, () -> w.append(new byte[small().maxPayloadLength() + 1]));
            assertEquals(Kind.ENCODE, ex.kind());
            assertEquals(2, w.append(payload(2)));
            assertEquals(3, w.append(new byte[small().maxPayloadLength()]));
            assertEquals(4, w.append(payload(4)));
        }
        final List<WalRecord<byte[]>> records = replay(ReplayMode.STRICT, small());
        assertEquals(4, records.size());
        assertEquals(small().maxPayloadLength(), records.get(2).payload().length);
    }

    @Test
    void emptyPayloadIsAnEntry()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            assertEquals(1, w.append(new byte[0]));
            assertEquals(2, w.append(new byte[0]));
        }
        final List<WalRecord<byte[]>> records = replay(ReplayMode.STRICT, small());
        assertEquals(2, records.size());
        assertEquals(0, records.get(1).payload().length);
    }

    @Test
    void appendBatchAssignsConsecutiveIds()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            w.append(payload(1));
            assertEquals(2, w.appendBatch(List.of(payload(2), payload(3), payload(4))), "the first id of the batch");
            assertEquals(4, w.lastEntryId());
            assertEquals(5, w.appendBatch(List.of()), "an empty batch: the next id");
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 4);
    }

    @Test
    void claimBufferIsAViewOfExactlyTheClaimAndClosingAnOpenClaimAbortsIt()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            try (WalClaim c = w.claim(16))
            {
                assertEquals(0, c.offset());
                assertEquals(16, c.buffer().capacity(), "the view holds exactly the claimed bytes");
                c.buffer().putLong(8, 42L);
                assertThrows(IndexOutOfBoundsException.class, () -> c.buffer().putLong(16, 1L));
                // An exception before commit: the block ends, close() aborts the claim.
            }
            assertEquals(1, w.append(payload(1)), "the writer takes appends again after an aborted claim");
            final long id;
            try (WalClaim c = w.claim(8))
            {
                c.buffer().putLong(0, 7L);
                id = c.commit(8);
            }
            assertEquals(2, id);
        }
        final List<WalRecord<byte[]>> records = replay(ReplayMode.STRICT, small());
        assertEquals(2, records.size());
        assertEquals(7L, java.nio.ByteBuffer.wrap(records.get(1).payload()).order(java.nio.ByteOrder.nativeOrder()).getLong());
    }

    @Test
    void aCodecThatWritesOutsideItsRoomIsAnEncodeErrorNotDoesNotFit()
    {
        final io.durability.codec.Codec<byte[]> overrunning = new io.durability.codec.Codec<>()
        {
            @Override
            public int encode(final byte[] value, final org.agrona.MutableDirectBuffer buffer, final int offset,
                final int maxLength)
            {
                if (value.length == 0)
                {
                    buffer.putByte(buffer.capacity(), (byte)1); // past the end of the segment: IOOBE
                }
                buffer.putBytes(offset, value);
                return value.length;
            }

            @Override
            public byte[] decode(final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
                final byte[] b = new byte[length];
                buffer.getBytes(offset, b);
                return b;
            }
        };
        try (WalWriter<byte[]> w = WalWriter.create(dir, overrunning, small()))
        {
            w.append(payload(1));
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> w.append(new byte[0]));
            assertEquals(Kind.ENCODE, ex.kind());
            assertEquals(1, w.currentSegmentId(), "no roll: an overrun is not \"does not fit\"");
            assertEquals(2, w.append(payload(2)), "the writer is still usable");
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 2);
    }

    @Test
    void claimCommitWritesInPlace()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            for (long id = 1; id <= 50; id++)
            {
                final byte[] p = payload(id);
                final WalClaim c = w.claim(p.length + 16);
                c.buffer().putBytes(c.offset(), p);
                c.buffer().putLong(c.offset() + p.length, -1L);
                c.buffer().putLong(c.offset() + p.length + 8, -1L);
                assertEquals(id, c.commit(p.length));
                assertFalse(c.isActive());
            }
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 50);
    }

    @Test
    void abortedClaimLeavesNoTrace()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            w.append(payload(1));
            final WalClaim c = w.claim(400);
            c.buffer().setMemory(c.offset(), 400, (byte)0x7F);
            c.abort();
            assertEquals(2, w.append(payload(2)));
            assertEquals(3, w.append(payload(3)));
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 3);
    }

    @Test
    void onlyOneClaimAtATime()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            final WalClaim c = w.claim(8);
            assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class, () -> w.append(payload(1))).kind());
            assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class, () -> w.claim(8)).kind());
            c.commit(0);
            assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class, c::commit).kind());
            assertEquals(Kind.INVALID_CONFIG, assertThrows(DurabilityException.class, () -> w.claim(8).commit(9)).kind());
        }
    }

    @Test
    void claimRollsWhenTheSegmentIsFull()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            final int big = small().maxPayloadLength() - 100;
            final WalClaim c1 = w.claim(big);
            assertEquals(1, c1.commit());
            final WalClaim c2 = w.claim(big);
            assertEquals(2, c2.commit());
            assertEquals(2, w.currentSegmentId());
        }
        assertEquals(2, replay(ReplayMode.STRICT, small()).size());
    }

    @Test
    void secondWriterIsRefusedUntilTheFirstCloses() throws Exception
    {
        final WalWriter<byte[]> first = createWriter(small());
        first.append(payload(1));
        final DurabilityException same = assertThrows(
            DurabilityException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, small()));
        assertEquals(Kind.LOCK_FAILED, same.kind());
        final CompletableFuture<Kind> otherThread = CompletableFuture.supplyAsync(() ->
        {
            try (WalWriter<byte[]> ignored = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
            {
                return null;
            }
            catch (final DurabilityException ex)
            {
                return ex.kind();
            }
        });
        assertEquals(Kind.LOCK_FAILED, otherThread.get());
        first.close();
        try (WalWriter<byte[]> second = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(2, second.append(payload(2)));
        }
    }

    @Test
    void closedWriterRefusesWork()
    {
        final WalWriter<byte[]> w = createWriter(small());
        w.close();
        w.close();
        assertEquals(Kind.INVALID_STATE, assertThrows(DurabilityException.class, () -> w.append(payload(1))).kind());
    }

    @Test
    void flushAndSyncIsDurableOrNotSupported()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 20);
            if (dir.supportsDurability())
            {
                w.flushAndSync();
                appendRange(w, 21, 25);
                w.flushAndSync();
            }
            else
            {
                final DurabilityException ex = assertThrows(DurabilityException.class, w::flushAndSync);
                assertEquals(Kind.NOT_SUPPORTED, ex.kind());
                appendRange(w, 21, 25); // not poisoned
            }
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 25);
    }

    @Test
    void segmentRangesAndDeletionOfCoveredSegments()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
            final List<SegmentRange> ranges = w.segmentRanges();
            assertEquals(w.currentSegmentId(), ranges.size());
            long expectedStart = 1;
            for (final SegmentRange r : ranges)
            {
                assertEquals(expectedStart, r.startEntryId());
                expectedStart = r.lastEntryId() + 1;
            }
            assertEquals(101, expectedStart);
            assertTrue(ranges.get(ranges.size() - 1).isFinal());

            final SegmentRange third = ranges.get(2);
            // An id inside the third segment covers the first two only.
            assertEquals(2, w.deleteSegmentsCoveredBy(third.lastEntryId() - 1));
            assertEquals(third.startEntryId(), w.segmentRanges().get(0).startEntryId());
            // Everything covered: all but the final segment go.
            w.deleteSegmentsCoveredBy(1_000);
            assertEquals(1, w.segmentRanges().size());
            appendRange(w, 101, 110);
        }
        final List<WalRecord<byte[]>> records = replay(ReplayMode.STRICT, small());
        assertEquals(110, records.get(records.size() - 1).entryId());
        final long first = records.get(0).entryId();
        assertPayloads(records, first, 110);
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(111, w.append(payload(111)));
        }
    }

    @Test
    void maintenanceWithoutWriterTakesTheLock()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
            assertEquals(Kind.LOCK_FAILED, assertThrows(DurabilityException.class,
                () -> WalMaintenance.deleteSegmentsCoveredBy(dir, small(), 50)).kind());
        }
        final List<SegmentRange> ranges = WalMaintenance.segmentRanges(dir, small());
        assertEquals(100, ranges.get(ranges.size() - 1).lastEntryId());
        final int deleted = WalMaintenance.deleteSegmentsCoveredBy(dir, small(), ranges.get(1).lastEntryId());
        assertEquals(2, deleted);
        assertPayloads(replay(ReplayMode.STRICT, small()), ranges.get(2).startEntryId(), 100);
    }

    @Test
    void bestEffortStopsAtTornTailInFinalSegment()
    {
        crashAfter(tearable(), w -> appendRange(w, 1, 40));
        final Damage.FrameSpan victim = Damage.lastFrameCrossingASector(dir, seg(1), KIND);
        Damage.tearFrame(dir, seg(1), victim);

        // A CRC mismatch, or (when the frame header straddles the sector boundary) a length check mismatch.
        assertThrows(DurabilityException.class, () -> replay(ReplayMode.STRICT, tearable()));
        assertPayloads(replay(ReplayMode.BEST_EFFORT, tearable()), 1, victim.entryId() - 1);
        final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, tearable()).check();
        assertEquals(WalVerdict.State.TORN_TAIL, verdict.state(), verdict.describe());
        assertEquals(victim.offset(), verdict.cut().from());
    }

    @Test
    void damageToALastFrameAfterCloseIsCorruptionInEveryMode()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 40);
        }
        final long last = WalLayout.segmentIds(dir, "wal")[WalLayout.segmentIds(dir, "wal").length - 1];
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(last), KIND);
        final Damage.FrameSpan victim = frames.get(frames.size() - 1);
        Damage.flipByte(dir, seg(last), victim.offset() + victim.length() - 1);

        assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.STRICT, small()));
        assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        assertThrows(CrcMismatchException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, small()));
        assertEquals(WalVerdict.State.CORRUPT, new WalReader<>(dir, BytesCodec.INSTANCE, small()).check().state());
    }

    @Test
    void resumeRepairsTornTailThenStrictReplaySucceeds()
    {
        crashAfter(tearable(), w -> appendRange(w, 1, 40));
        final String lastSeg = seg(1);
        final Damage.FrameSpan victim = Damage.lastFrameCrossingASector(dir, lastSeg, KIND);
        // A torn frame: its first sector reached the disk, the next one did not.
        Damage.tearFrame(dir, lastSeg, victim);
        final long keep = victim.entryId() - 1;

        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, tearable()))
        {
            assertEquals(keep, w.lastEntryId());
            final RepairReport report = w.repairReport();
            assertEquals(WalVerdict.State.TORN_TAIL, report.before().state());
            assertEquals(victim.offset(), report.cut().from());
            assertTrue(report.cutEntries());
            appendRange(w, keep + 1, keep + 5);
        }
        assertPayloads(replay(ReplayMode.STRICT, tearable()), 1, keep + 5);
    }

    @Test
    void staleFramesAfterARepairedTailAreNeverReplayed()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024);
        crashAfter(options, w -> appendRange(w, 1, 50));
        final String only = seg(1);
        final List<Damage.FrameSpan> frames = Damage.frames(dir, only, KIND);
        // Tear the first frame from entry 15 on that crosses a sector; the frames in later sectors stay
        // behind it, each with a valid CRC.
        Damage.FrameSpan victim = null;
        for (final Damage.FrameSpan f : frames)
        {
            if (f.entryId() >= 15 && f.offset() / 512 != (f.offset() + f.length() - 1) / 512)
            {
                victim = f;
                break;
            }
        }
        assertNotNull(victim);
        Damage.tearFrame(dir, only, victim);
        final long keep = victim.entryId() - 1;
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options))
        {
            assertEquals(keep, w.lastEntryId());
            // Re-append with the same sizes: slots line up with the stale frames exactly.
            appendRange(w, keep + 1, keep + 5);
        }
        // If stale bytes survived, the entries after keep + 5 would reappear.
        assertPayloads(replay(ReplayMode.STRICT, options), 1, keep + 5);
    }

    @Test
    void aZeroFilledNewestSegmentAfterAnUnsealedOneIsASegmentNamedAheadForEveryReader()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 30);
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        final long lastId = ids[ids.length - 1];
        // What a writer leaves while it appends (or after a kill, or a power cut after the file's folder
        // entry reached the disk): the next segment named ahead, all zeros, after the unsealed current one.
        try (var f = dir.createSegment(seg(lastId + 1), SMALL_SEGMENT))
        {
            assertEquals(0, f.buffer().getLong(0));
        }
        // The end of the WAL, never an error: not in strict replay, not in the verdict.
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 30);
        assertPayloads(replay(ReplayMode.BEST_EFFORT, small()), 1, 30);
        final WalVerdict verdict = new WalReader<>(dir, BytesCodec.INSTANCE, small()).check();
        assertEquals(WalVerdict.State.CLEAN, verdict.state(), verdict.describe());
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(30, w.lastEntryId());
            assertEquals(List.of(seg(lastId + 1)), w.repairReport().dropped(), "the unused file is deleted");
            assertFalse(w.repairReport().cutEntries());
            appendRange(w, 31, 60);
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 60);
        // Two such files are not what a writer leaves (it names one ahead only after it initialized the
        // one before): the stream ends at the first, a power-loss tail, an error in strict replay.
        final long[] after = WalLayout.segmentIds(dir, "wal");
        final long newest = after[after.length - 1];
        for (long id = newest + 1; id <= newest + 2; id++)
        {
            dir.createSegment(seg(id), SMALL_SEGMENT).close();
        }
        assertThrows(DurabilityException.class, () -> replay(ReplayMode.STRICT, small()));
        assertPayloads(replay(ReplayMode.BEST_EFFORT, small()), 1, 60);
    }

    @Test
    void sealedFinalSegmentResumesIntoANewSegment()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 30);
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        final long lastId = ids[ids.length - 1];
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            while (w.currentSegmentId() == lastId)
            {
                w.append(payload(w.nextEntryId()));
            }
        }
        // Lose the newest file (its directory entry never reached the disk): the one before it is
        // now the final segment, and it ends with a seal.
        final long[] after = WalLayout.segmentIds(dir, "wal");
        final long newest = after[after.length - 1];
        final long lastKept = new WalReader<>(dir, BytesCodec.INSTANCE, small()).replay().stream()
            .filter(r -> r.entryId() > 0).mapToLong(WalRecord::entryId).max().orElseThrow();
        final long firstOfNewest = WalMaintenance.segmentRanges(dir, small()).get(after.length - 1).startEntryId();
        dir.delete(seg(newest));
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, firstOfNewest - 1);
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(firstOfNewest - 1, w.lastEntryId());
            assertEquals(newest, w.currentSegmentId());
            appendRange(w, firstOfNewest, lastKept + 3);
        }
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, lastKept + 3);
    }

    @Test
    void corruptionInNonFinalSegmentIsNeverMasked()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
            syncIfDurable(w);
        }
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(2), KIND);
        final Damage.FrameSpan victim = frames.get(frames.size() / 2);
        Damage.flipByte(dir, seg(2), victim.offset() + victim.length() - 1);
        assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.STRICT, small()));
        assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        // Resume scans only the tail (its cost must not grow with the WAL), so it does not see the
        // damage; it must not cut into sealed data either: replay still reports it afterwards.
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, small()))
        {
            assertEquals(101, w.append(payload(101)));
        }
        assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
    }

    @Test
    void missingSealInNonFinalSegmentIsCorruption()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
            syncIfDurable(w);
        }
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(1), KIND);
        final Damage.FrameSpan seal = frames.get(frames.size() - 1);
        assertTrue(seal.seal());
        Damage.zero(dir, seg(1), seal.offset(), seal.offset() + 24);
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("seal"), ex.getMessage());
    }

    @Test
    void missingMiddleSegmentIsCorruption()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
        }
        dir.delete(seg(3));
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("missing"), ex.getMessage());
    }

    @Test
    void garbageIdInHeaderIsDetectedByTheCrc()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 5);
        }
        final Damage.FrameSpan f = Damage.frames(dir, seg(1), KIND).get(2);
        Damage.flipByte(dir, seg(1), f.offset() + FrameDescriptor.ENTRY_ID_OFFSET);
        final CrcMismatchException ex = assertThrows(CrcMismatchException.class, () -> replay(ReplayMode.STRICT, small()));
        assertEquals(seg(1), ex.file());
        assertEquals(f.offset(), ex.offset());
        assertNotEquals(ex.expectedCrc(), ex.actualCrc());
    }

    @Test
    void tornFrameCompletedLaterReplaysStrictly()
    {
        crashAfter(tearable(), w -> appendRange(w, 1, 40));
        final Damage.FrameSpan last = Damage.lastFrameCrossingASector(dir, seg(1), KIND);
        final int boundary = (last.offset() / 512 + 1) * 512;
        final byte[] whole = Damage.read(dir, seg(1), boundary, boundary + 512);
        Damage.tearFrame(dir, seg(1), last);
        assertThrows(DurabilityException.class, () -> replay(ReplayMode.STRICT, tearable()));
        assertPayloads(replay(ReplayMode.BEST_EFFORT, tearable()), 1, last.entryId() - 1);
        Damage.write(dir, seg(1), boundary, whole);
        assertPayloads(replay(ReplayMode.STRICT, tearable()), 1, 40);
    }

    @Test
    void truncatedFinalSegmentFileIsCorruptionAndResumeRefuses()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 40);
            syncIfDurable(w);
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        final String lastSeg = seg(ids[ids.length - 1]);
        final List<Damage.FrameSpan> frames = Damage.frames(dir, lastSeg, KIND);
        final Damage.FrameSpan cut = frames.get(frames.size() - 1);
        truncateFile(dir, lastSeg, cut.offset() + 10);
        for (final ReplayMode mode : ReplayMode.values())
        {
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(mode, small()));
            assertEquals(Kind.FORMAT, ex.kind());
            assertTrue(ex.getMessage().contains("length differs from the capacity"), ex.getMessage());
        }
        assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, small()));
        assertEquals(cut.offset() + 10, dir.fileLength(lastSeg), "resume refused and changed nothing");
    }

    @Test
    void streamingReplayDeliversInOrder()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 77);
        }
        final List<Long> seen = new ArrayList<>();
        final long n = new WalReader<>(dir, BytesCodec.INSTANCE, small()).replayEach((id, e) ->
        {
            assertArrayEquals(payload(id), e);
            seen.add(id);
        });
        assertEquals(77, n);
        assertEquals(77, seen.size());
        final long[] last = {0};
        final long frames = new WalReader<>(dir, BytesCodec.INSTANCE, small()).replayFrames(ReplayMode.STRICT,
            (id, buffer, offset, length) ->
            {
                assertEquals(last[0] + 1, id);
                assertEquals(payload(id).length, length);
                last[0] = id;
            });
        assertEquals(77, frames);
    }

    @Test
    void aFilteredReplayDecodesOnlyWhatItAcceptsAndStillJudgesEveryFrame()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 100);
            syncIfDurable(w);
        }
        final List<Long> decoded = new ArrayList<>();
        final long[] offered = {0};
        final long n = new WalReader<>(dir, BytesCodec.INSTANCE, small()).replayEach(ReplayMode.STRICT,
            (id, buffer, offset, length) ->
            {
                assertEquals(++offered[0], id);
                assertEquals(payload(id).length, length);
                return id > 90 || id % 10 == 0;
            },
            (id, e) ->
            {
                assertArrayEquals(payload(id), e);
                decoded.add(id);
            });
        assertEquals(100, n, "the count is of the whole stream");
        assertEquals(100, offered[0]);
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 91L, 92L, 93L, 94L, 95L, 96L, 97L, 98L,
            99L, 100L), decoded);

        // A frame the filter declines is still CRC-checked: damage there fails the replay in every mode.
        final List<Damage.FrameSpan> frames = Damage.frames(dir, seg(2), KIND);
        final Damage.FrameSpan victim = frames.get(frames.size() / 2);
        Damage.flipByte(dir, seg(2), victim.offset() + victim.length() - 1);
        for (ReplayMode mode : ReplayMode.values())
        {
            assertThrows(CrcMismatchException.class, () -> new WalReader<>(dir, BytesCodec.INSTANCE, small())
                .replayEach(mode, (id, buffer, offset, length) -> false, (id, e) -> fail("nothing is accepted")));
        }
    }

    @Test
    void verifySummarisesTheWal()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 50);
        }
        final WalReader.ScanSummary s = new WalReader<>(dir, BytesCodec.INSTANCE, small()).verify(ReplayMode.STRICT);
        assertEquals(50, s.entries());
        assertEquals(1, s.firstEntryId());
        assertEquals(50, s.lastEntryId());
        assertNull(s.tornTail());
        assertEquals(WalLayout.segmentIds(dir, "wal").length, s.segments());
    }

    @Test
    void unsupportedFormatVersionIsRejectedClearly()
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 3);
        }
        Damage.write(dir, seg(1), SegmentDescriptor.VERSION_OFFSET, new byte[] {4, 0, 0, 0});
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("version"), ex.getMessage());
        assertEquals("1..3", ex.expected());
        assertEquals("4", ex.found());
    }

    @Test
    void aWalWrittenWithAnotherCodecIsRefusedByResumeAndTypedReplayAndNothingChanges()
    {
        final io.durability.codec.Codec<byte[]> written = CodecIdTest.bytesWithId(0x7E57000A);
        final io.durability.codec.Codec<byte[]> other = CodecIdTest.bytesWithId(0x7E57000B);
        try (WalWriter<byte[]> w = WalWriter.create(dir, written, small()))
        {
            appendRange(w, 1, 50);
        }
        final java.util.Map<String, byte[]> before = Damage.capture(dir, "wal");
        for (int i = 1; i <= before.size(); i++)
        {
            assertEquals(0x7E57000A, java.nio.ByteBuffer.wrap(Damage.read(dir, seg(i), 44, 48))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(), seg(i));
        }
        final DurabilityException resume = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, other, small()));
        assertEquals(Kind.INVALID_CONFIG, resume.kind(), resume.getMessage());
        assertEquals(seg(1), resume.file());
        assertEquals(String.valueOf(0x7E57000B), resume.expected());
        assertEquals(String.valueOf(0x7E57000A), resume.found());
        final DurabilityException replay = assertThrows(DurabilityException.class,
            () -> new WalReader<>(dir, other, small()).replay());
        assertEquals(Kind.INVALID_CONFIG, replay.kind(), replay.getMessage());
        final java.util.Map<String, byte[]> after = Damage.capture(dir, "wal");
        assertEquals(before.keySet(), after.keySet());
        for (final String path : before.keySet())
        {
            assertArrayEquals(before.get(path), after.get(path), path);
        }
        assertEquals(0x7E57000A, WalReader.recordedCodecId(dir, small()));
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 50);
        try (WalWriter<byte[]> w = WalWriter.resume(dir, written, small()))
        {
            appendRange(w, 51, 52);
        }
    }

    @Test
    void foreignFileIsNotASegment()
    {
        dir.createDirectories("wal");
        try (var out = dir.createFile("wal/wal-1.seg"))
        {
            out.write("this is not a wal segment, just some text that is long enough".repeat(4)
                .getBytes(StandardCharsets.UTF_8));
        }
        catch (final java.io.IOException ex)
        {
            throw new AssertionError(ex);
        }
        final DurabilityException ex = assertThrows(DurabilityException.class, () -> replay(ReplayMode.BEST_EFFORT, small()));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("magic"), ex.getMessage());
    }

    @Test
    void otherFilesInTheWalFolderAreIgnored() throws ExecutionException, InterruptedException
    {
        try (WalWriter<byte[]> w = createWriter(small()))
        {
            appendRange(w, 1, 3);
        }
        dir.atomicWrite("wal/notes.txt", new byte[] {1, 2, 3});
        dir.atomicWrite("wal/wal-01.seg", new byte[] {1, 2, 3});
        assertPayloads(replay(ReplayMode.STRICT, small()), 1, 3);
    }
}
