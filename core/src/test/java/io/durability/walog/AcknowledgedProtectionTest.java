package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.publish.CheckpointPublisher;
import io.durability.recover.RecoveryManager;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import io.durability.testing.PowerLossDirectory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * "Acknowledged means protected", shown by damaging files the way disks and operators do, not only by
 * crashing: every single-bit flip of every frame after a sync, a close and a publish; every torn state
 * of the last barrier at 512-byte sectors; mutated copies of real WALs; and the regressions of issue
 * 11. Damage is applied to an image of the files copied into a fresh {@link MemoryDirectory} (the scan
 * rules read only bytes, not the directory type). Seeds are fixed and printed.
 */
class AcknowledgedProtectionTest
{
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;
    private static final WalOptions SMALL = WalOptions.defaults().withSegmentCapacity(1024).withSaltSeed(11);

    /** Payloads of non-zero bytes: a frame then never holds an all-zero sector of its own. */
    private static byte[] payload(final SplittableRandom random, final int maxLength)
    {
        final byte[] p = new byte[1 + random.nextInt(maxLength)];
        for (int i = 0; i < p.length; i++)
        {
            p[i] = (byte)(1 + random.nextInt(255));
        }
        return p;
    }

    private static MemoryDirectory load(final Map<String, byte[]> image)
    {
        final MemoryDirectory dir = new MemoryDirectory();
        for (final Map.Entry<String, byte[]> e : image.entrySet())
        {
            dir.atomicWrite(e.getKey(), e.getValue());
        }
        return dir;
    }

    private static Map<String, byte[]> copy(final Map<String, byte[]> image)
    {
        final Map<String, byte[]> c = new TreeMap<>();
        image.forEach((k, v) -> c.put(k, v.clone()));
        return c;
    }

    private static WalVerdict check(final Directory dir)
    {
        return new WalReader<>(dir, BytesCodec.INSTANCE, SMALL).check();
    }

    // ------------------------------------------------------------------------- every single-bit flip

    private enum Moment
    {
        AFTER_SYNC_WRITER_OPEN, AFTER_CLOSE, AFTER_PUBLISH
    }

    /** @return the files as a crash (or, for AFTER_CLOSE, a clean stop) at {@code moment} leaves them. */
    private static Map<String, byte[]> wal(final Moment moment, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final PowerLossDirectory dir = new PowerLossDirectory();
        final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, SMALL);
        for (int i = 0; i < 24; i++)
        {
            w.append(payload(random, 120));
        }
        if (moment == Moment.AFTER_PUBLISH)
        {
            final CheckpointPublisher<byte[], byte[]> publisher = new CheckpointPublisher<>(
                dir, w, BytesCodec.INSTANCE, (path, id) -> ("marker " + path).getBytes(StandardCharsets.UTF_8),
                "checkpoints");
            publisher.publish(new byte[] {7}, 8);
        }
        else
        {
            w.flushAndSync();
        }
        if (moment == Moment.AFTER_CLOSE)
        {
            w.close();
        }
        final Map<String, byte[]> image = new TreeMap<>(Damage.capture(dir, "wal"));
        for (final String name : dir.list("checkpoints"))
        {
            image.put("checkpoints/" + name, dir.readFile("checkpoints/" + name, 1 << 20));
        }
        return image;
    }

    @Test
    void everySingleBitFlipOfEveryFrameIsCorruptionAfterASyncACloseAndAPublish()
    {
        for (final Moment moment : Moment.values())
        {
            final long seed = 20261201L + moment.ordinal();
            final Map<String, byte[]> image = wal(moment, seed);
            final MemoryDirectory clean = load(image);
            final WalVerdict before = check(clean);
            assertEquals(WalVerdict.State.CLEAN, before.state(), moment + ": " + before.describe());
            final long acked = before.lastEntryId();
            int frames = 0;
            int flips = 0;
            int corrupt = 0;
            int zeroSector = 0;
            int refusedByDefaultResume = 0;
            final long[] segmentIds = WalLayout.segmentIds(clean, "wal");
            final long finalId = segmentIds[segmentIds.length - 1];
            for (final long id : segmentIds)
            {
                final String path = WalLayout.segmentPath("wal", id);
                for (final Damage.FrameSpan f : Damage.frames(clean, path, KIND))
                {
                    frames++;
                    for (int at = f.offset(); at < f.offset() + f.length(); at++)
                    {
                        for (int bit = 0; bit < 8; bit++)
                        {
                            flips++;
                            final Map<String, byte[]> damaged = copy(image);
                            damaged.get(path)[at] ^= (byte)(1 << bit);
                            final MemoryDirectory dir = load(damaged);
                            final WalVerdict v = check(dir);
                            final String where = moment + " seed " + seed + ": bit " + bit + " of " + path + "@" + at +
                                " (entry " + f.entryId() + "): ";
                            if (v.state() != WalVerdict.State.CORRUPT && createsZeroSector(image.get(path), at))
                            {
                                // The one exception, stated in FORMAT.md: a flip that leaves an all-zero
                                // sector is what a lost sector looks like.
                                zeroSector++;
                                continue;
                            }
                            assertEquals(WalVerdict.State.CORRUPT, v.state(), where + v.describe());
                            try
                            {
                                final int n = new WalReader<>(dir, BytesCodec.INSTANCE, SMALL).replayBestEffort().size();
                                fail(where + "best effort returned " + n + " entries; verdict " + v.describe() + " / now " + check(dir).describe());
                            }
                            catch (final DurabilityException expected)
                            {
                                assertNotNull(expected.kind());
                            }
                            // A full resume check refuses every one; the default (bounded) check refuses
                            // damage in the final segment and leaves older sealed segments to replay, but
                            // then cuts nothing and reuses no id.
                            final DurabilityException refused = assertThrows(DurabilityException.class,
                                () -> WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL.withFullResumeCheck(true)), where);
                            assertNotEquals(DurabilityException.Kind.LOCK_FAILED, refused.kind(), where);
                            assertArrayEquals(damaged.get(path), dir.readFile(path, 1 << 20), where + "resume changed bytes");
                            if (id == finalId)
                            {
                                assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL),
                                    where);
                                refusedByDefaultResume++;
                            }
                            else
                            {
                                try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL))
                                {
                                    assertEquals(acked + 1, w.nextEntryId(), where);
                                    assertFalse(w.repairReport().changedAnything(), where);
                                }
                                catch (final DurabilityException structural)
                                {
                                    refusedByDefaultResume++; // a seal or header flip: the bounded check sees it
                                }
                            }
                            corrupt++;
                        }
                    }
                }
            }
            System.out.printf("bit-flips: moment=%s seed=%d acked=%d segments=%d frames=%d flips=%d corrupt=%d " +
                "refused-by-full-resume=%d refused-by-default-resume=%d zero-sector=%d%n",
                moment, seed, acked, segmentIds.length, frames, flips, corrupt, corrupt, refusedByDefaultResume, zeroSector);
            assertTrue(frames >= 10, "frames " + frames);
            assertEquals(flips, corrupt + zeroSector);
            assertEquals(0, zeroSector, "non-zero payloads: no flip can zero a whole sector");
        }
    }

    private static boolean createsZeroSector(final byte[] file, final int at)
    {
        final int s = at / 512 * 512;
        for (int i = s; i < Math.min(file.length, s + 512); i++)
        {
            if (i != at && file[i] != 0)
            {
                return false;
            }
        }
        return Integer.bitCount(file[at] & 0xFF) == 1;
    }

    // ------------------------------------------------------------------ every torn state of a barrier

    @Test
    void everyTornStateOfTheLastBarrierAtSectorsKeepsEveryAcknowledgedEntry()
    {
        int states = 0;
        int scenarios = 0;
        int tornTails = 0;
        int rolls = 0;
        for (long seed = 1; seed <= 60; seed++)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final MemoryDirectoryWithBarriers dir = new MemoryDirectoryWithBarriers();
            final WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, SMALL);
            for (int i = 0, n = 3 + random.nextInt(20); i < n; i++)
            {
                w.append(payload(random, 150));
            }
            w.flushAndSync();
            final long acked = w.lastEntryId();
            final Map<String, byte[]> durable = Damage.capture(dir, "wal");
            final long segmentBefore = w.currentSegmentId();
            for (int i = 0, n = 1 + random.nextInt(8); i < n; i++)
            {
                w.append(payload(random, 150));
            }
            rolls += w.currentSegmentId() > segmentBefore ? 1 : 0;
            // The barrier in flight is a sequence of steps (sync of sealed segments, of the folder, force
            // of the current segment); a power cut lands after j of them completed. Each completed step
            // made its file (or the folder's entries) durable as of then; of the rest, every sector that
            // differs from what is durable may or may not have reached the disk, and every folder entry
            // not yet synced may or may not exist.
            dir.steps.clear();
            w.flushAndSync();
            final List<Step> steps = new ArrayList<>(dir.steps);
            final Map<String, byte[]> finalImage = Damage.capture(dir, "wal");
            for (int j = 0; j <= steps.size(); j++)
            {
                final Map<String, byte[]> base = copy(durable);
                java.util.Set<String> names = new java.util.TreeSet<>(durable.keySet());
                for (int i = 0; i < j; i++)
                {
                    final Step step = steps.get(i);
                    if (step.folder())
                    {
                        names = new java.util.TreeSet<>(step.image().keySet());
                    }
                    else
                    {
                        base.put(step.path(), step.image().get(step.path()).clone());
                    }
                }
                final Map<String, byte[]> latest = j < steps.size() ? steps.get(j).image() : finalImage;
                final List<String> files = new ArrayList<>(latest.keySet());
                final List<int[]> dirty = new ArrayList<>();
                final List<String> optional = new ArrayList<>();
                for (int f = 0; f < files.size(); f++)
                {
                    final String name = files.get(f);
                    final byte[] now = latest.get(name);
                    final byte[] old = base.getOrDefault(name, new byte[now.length]);
                    for (int s = 0; s < now.length; s += 512)
                    {
                        if (!java.util.Arrays.equals(old, s, s + 512, now, s, s + 512))
                        {
                            dirty.add(new int[] {f, s});
                        }
                    }
                    if (!names.contains(name))
                    {
                        optional.add(name);
                    }
                }
                final int bits = dirty.size() + optional.size();
                final boolean exhaustive = bits <= 12;
                final int count = exhaustive ? 1 << bits : 2048;
                scenarios++;
                for (int k = 0; k < count; k++)
                {
                    final long mask = exhaustive ? k : random.nextLong();
                    final Map<String, byte[]> image = new TreeMap<>();
                    for (final String name : files)
                    {
                        final int o = optional.indexOf(name);
                        if (o >= 0 && (mask >>> (dirty.size() + o) & 1) == 0)
                        {
                            continue; // its folder entry never reached the disk
                        }
                        image.put(name, base.containsKey(name) ? base.get(name).clone() : new byte[latest.get(name).length]);
                    }
                    for (int d = 0; d < dirty.size(); d++)
                    {
                        final String name = files.get(dirty.get(d)[0]);
                        if ((mask >>> d & 1) == 1 && image.containsKey(name))
                        {
                            final int s = dirty.get(d)[1];
                            System.arraycopy(latest.get(name), s, image.get(name), s, 512);
                        }
                    }
                    states++;
                    final MemoryDirectory cut = load(image);
                    final WalVerdict v = check(cut);
                    final String where = "seed " + seed + " steps done " + j + "/" + steps.size() + " mask " +
                        Long.toBinaryString(mask) + ": ";
                    assertNotEquals(WalVerdict.State.CORRUPT, v.state(), where + v.describe());
                    if (v.state() == WalVerdict.State.TORN_TAIL)
                    {
                        tornTails++;
                    }
                    final List<WalRecord<byte[]>> records =
                        new WalReader<>(cut, BytesCodec.INSTANCE, SMALL).replayBestEffort();
                    assertTrue(records.size() >= acked, where + "kept " + records.size() + " of " + acked + " acknowledged");
                    for (int i = 0; i < records.size(); i++)
                    {
                        assertEquals(i + 1, records.get(i).entryId(), where);
                    }
                    try (WalWriter<byte[]> resumed = WalWriter.resume(cut, BytesCodec.INSTANCE, SMALL))
                    {
                        assertEquals(records.size() + 1, resumed.nextEntryId(), where);
                    }
                }
            }
            w.close();
        }
        System.out.printf("torn-barrier-states: seeds=60 cut-points=%d states=%d torn-tails=%d barriers-with-a-roll=%d " +
            "lost-acknowledged=0%n", scenarios, states, tornTails, rolls);
        assertTrue(tornTails > 0, "some states must be torn tails");
        assertTrue(rolls > 0, "some barriers must cover a roll");
    }

    /** A barrier the writer called, with every WAL file as it was in memory at that moment. */
    private record Step(boolean folder, String path, Map<String, byte[]> image)
    {
    }

    /** Memory that claims stable storage; barriers only record the files' state (tests build cut images). */
    private static final class MemoryDirectoryWithBarriers extends io.durability.storage.FilterDirectory
    {
        final List<Step> steps = new ArrayList<>();

        MemoryDirectoryWithBarriers()
        {
            super(new MemoryDirectory());
        }

        @Override
        public boolean supportsDurability()
        {
            return true;
        }

        @Override
        public void syncFile(final String path)
        {
            steps.add(new Step(false, path, Damage.capture(this, "wal")));
        }

        @Override
        public void syncParentDir(final String path)
        {
            steps.add(new Step(true, path, Damage.capture(this, "wal")));
        }

        @Override
        public void atomicWriteDurable(final String path, final byte[] data)
        {
            atomicWrite(path, data);
        }

        @Override
        public void atomicRenameDurable(final String from, final String to)
        {
            atomicRename(from, to);
        }

        @Override
        public io.durability.storage.SegmentFile createSegment(final String path, final int capacity)
        {
            return durable(super.createSegment(path, capacity));
        }

        @Override
        public io.durability.storage.SegmentFile openSegment(final String path, final boolean writable)
        {
            return durable(super.openSegment(path, writable));
        }

        private io.durability.storage.SegmentFile durable(final io.durability.storage.SegmentFile inner)
        {
            return new io.durability.storage.FilterSegmentFile(inner)
            {
                @Override
                public void force(final int offset, final int length)
                {
                    steps.add(new Step(false, path(), Damage.capture(MemoryDirectoryWithBarriers.this, "wal")));
                }

                @Override
                public boolean supportsForce()
                {
                    return true;
                }
            };
        }
    }

    // ---------------------------------------------------------------------------- issue 11's cases

    @Test
    void case3CloseRecordsTheExactWatermarkSoNoAcknowledgedEntryCanBeCut()
    {
        final MemoryDirectoryWithBarriers dir = new MemoryDirectoryWithBarriers();
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(1 << 20);
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            for (int i = 0; i < 20_000; i++)
            {
                w.append(("entry-" + i).getBytes(StandardCharsets.US_ASCII));
            }
            w.flushAndSync();
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        final String last = WalLayout.segmentPath("wal", ids[ids.length - 1]);
        final int end = Damage.dataEnd(dir, last, KIND);
        final byte[] header = Damage.read(dir, last, 0, 64);
        final int watermark = java.nio.ByteBuffer.wrap(header).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(48);
        assertEquals(end, watermark, "close records the exact end of the data");
        final List<Damage.FrameSpan> frames = Damage.frames(dir, last, KIND);
        final Damage.FrameSpan victim = frames.get(frames.size() - 650);
        Damage.flipByte(dir, last, victim.offset() + 30);
        final WalVerdict v = new WalReader<>(dir, BytesCodec.INSTANCE, options).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
        assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, BytesCodec.INSTANCE, options));
    }

    @Test
    void case2DamageToThePublishedMarkerIsCorruptionNotATornTail()
    {
        final MemoryDirectoryWithBarriers dir = new MemoryDirectoryWithBarriers();
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(4096);
        try (WalWriter<WalEntry> w = WalWriter.create(dir, WalEntryCodec.INSTANCE, options))
        {
            final SegmentIndexState state = new SegmentIndexState();
            for (long i = 1; i <= 300; i++)
            {
                w.append(new WalEntry.AddSegment(i, 10));
                state.putSegment(i, 10);
            }
            CheckpointPublisher.forSegmentIndex(dir, w).publish(state, w.lastEntryId());
            // Crash right after publish: no clean close.
            final Map<String, byte[]> image = Damage.capture(dir, "wal");
            w.close();
            Damage.restore(dir, "wal", image);
        }
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        assertTrue(ids[0] > 1, "publish truncated the WAL");
        final String last = Damage.finalSegment(dir, "wal");
        final List<Damage.FrameSpan> frames = Damage.frames(dir, last, KIND);
        final Damage.FrameSpan marker = frames.get(frames.size() - 1);
        Damage.flipByte(dir, last, marker.offset() + marker.length() - 1);
        final WalVerdict v = new WalReader<>(dir, WalEntryCodec.INSTANCE, options).check();
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
        assertThrows(DurabilityException.class, () -> WalWriter.resume(dir, WalEntryCodec.INSTANCE, options));
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> new RecoveryManager(dir, options).recoverLatestBestEffort());
        assertEquals(DurabilityException.Kind.CRC_MISMATCH, ex.kind(), "the damage itself, not a lost checkpoint");
    }

    @Test
    void case4MutatedWalsNeverLetResumeCutOrReuseAnAcknowledgedId()
    {
        final long seed = 20261204L;
        final SplittableRandom random = new SplittableRandom(seed);
        final Map<String, byte[]> image = wal(Moment.AFTER_CLOSE, seed);
        final MemoryDirectory clean = load(image);
        final long acked = check(clean).lastEntryId();
        final List<String> files = new ArrayList<>();
        for (final String f : image.keySet())
        {
            if (f.startsWith("wal/"))
            {
                files.add(f);
            }
        }
        int accepted = 0;
        int refused = 0;
        for (int trial = 0; trial < 1500; trial++)
        {
            final Map<String, byte[]> damaged = copy(image);
            for (int k = 1 + random.nextInt(3); k > 0; k--)
            {
                final byte[] file = damaged.get(files.get(random.nextInt(files.size())));
                final int at = random.nextInt(file.length);
                file[at] = random.nextBoolean() ? (byte)random.nextInt(256) : (byte)(file[at] ^ (1 << random.nextInt(8)));
            }
            final MemoryDirectory dir = load(damaged);
            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL))
            {
                accepted++;
                assertTrue(w.nextEntryId() > acked, "trial " + trial + ": resume would hand out id " + w.nextEntryId() +
                    " again; " + acked + " were acknowledged");
                assertFalse(w.repairReport().cutEntries(), "trial " + trial + ": " + w.repairReport().describe());
            }
            catch (final DurabilityException ex)
            {
                refused++;
                assertNotNull(ex.kind());
            }
        }
        System.out.printf("mutated-wals: seed=%d trials=1500 resume-accepted=%d refused=%d acked=%d%n",
            seed, accepted, refused, acked);
        assertTrue(refused > 0 && accepted > 0);
    }

    @Test
    void case4ATruncatedMiddleSegmentIsRefusedByResume()
    {
        final Map<String, byte[]> image = wal(Moment.AFTER_CLOSE, 5);
        final List<String> segments = new ArrayList<>();
        image.keySet().stream().filter(f -> f.startsWith("wal/")).forEach(segments::add);
        assertTrue(segments.size() >= 3);
        final MemoryDirectory dir = load(image);
        dir.truncate(segments.get(1), 700);
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL));
        assertTrue(ex.getMessage().contains("length differs"), ex.getMessage());
        assertEquals(WalVerdict.State.CORRUPT, check(dir).state());
    }

    @Test
    void case7AMissingSegmentCreatedAfterTheLastBarrierIsAPowerLossTail()
    {
        // wal-1 holds acknowledged entries; wal-2 was created (never synced) and its folder entry lost,
        // wal-3's reached the disk: POSIX allows it.
        final MemoryDirectoryWithBarriers dir = new MemoryDirectoryWithBarriers();
        final java.util.Map<String, byte[]> image;
        final long acked;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, SMALL))
        {
            for (int i = 0; i < 4; i++)
            {
                w.append(new byte[] {1, 2, 3, (byte)i});
            }
            w.flushAndSync();
            acked = w.lastEntryId();
            while (w.currentSegmentId() < 3)
            {
                w.append(new byte[100]);
            }
            image = Damage.capture(dir, "wal");
        }
        Damage.restore(dir, "wal", image);
        dir.delete("wal/wal-2.seg");
        final WalVerdict v = check(dir);
        assertEquals(WalVerdict.State.TORN_TAIL, v.state(), v.describe());
        assertTrue(v.lastEntryId() >= acked);
        assertEquals(List.of("wal/wal-3.seg"), v.droppedSegments());
        try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, SMALL))
        {
            assertTrue(w.lastEntryId() >= acked);
            assertEquals(List.of("wal/wal-3.seg"), w.repairReport().dropped());
        }
        // Once a later segment records a watermark, the same gap is corruption.
        final MemoryDirectoryWithBarriers synced = new MemoryDirectoryWithBarriers();
        try (WalWriter<byte[]> w = WalWriter.create(synced, BytesCodec.INSTANCE, SMALL))
        {
            while (w.currentSegmentId() < 3)
            {
                w.append(new byte[100]);
            }
            w.flushAndSync();
        }
        synced.delete("wal/wal-2.seg");
        assertEquals(WalVerdict.State.CORRUPT, check(synced).state());
    }

    @Test
    void case1TheWatermarkBeyondTheDataIsCorruption()
    {
        final Map<String, byte[]> image = wal(Moment.AFTER_CLOSE, 9);
        final MemoryDirectory dir = load(image);
        final long[] ids = WalLayout.segmentIds(dir, "wal");
        final String last = WalLayout.segmentPath("wal", ids[ids.length - 1]);
        final int end = Damage.dataEnd(dir, last, KIND);
        // The last frames zeroed, as a lost range would leave them.
        final List<Damage.FrameSpan> frames = Damage.frames(dir, last, KIND);
        Damage.zero(dir, last, frames.get(frames.size() - 1).offset(), end);
        final WalVerdict v = check(dir);
        assertEquals(WalVerdict.State.CORRUPT, v.state(), v.describe());
        assertTrue(v.problem().getMessage().contains("below the durable watermark"), v.describe());
    }
}
