package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.testing.Damage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The seed's WAL property suite, against any Directory (subclasses supply one). Each property
 * states its invariant in its first comment line. Seeds are fixed: a failure prints the seed and the
 * shrunk sample.
 */
public abstract class WalProperties
{
    private static final int KIND = SegmentDescriptor.KIND_WAL_SEGMENT;

    /** @return a fresh, empty directory. */
    protected abstract Directory newDirectory();

    /** Shorten a file to {@code length} bytes. */
    protected abstract void truncateFile(Directory directory, String path, int length);

    @Provide
    Arbitrary<List<byte[]>> entries()
    {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300).list().ofMinSize(1).ofMaxSize(60);
    }

    @Provide
    Arbitrary<Integer> capacities()
    {
        return Arbitraries.of(512, 1024, 4096, 1 << 20);
    }

    private static WalOptions opts(final int capacity)
    {
        return WalOptions.defaults().withSegmentCapacity(capacity);
    }

    private static void write(final Directory dir, final List<byte[]> entries, final WalOptions options, final boolean sync)
    {
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            for (final byte[] e : entries)
            {
                w.append(e);
            }
            if (sync && dir.supportsDurability())
            {
                w.flushAndSync();
            }
        }
    }

    /** Append {@code entries} and leave the files as a process crash would (no clean close). */
    private static void writeThenCrash(final Directory dir, final List<byte[]> entries, final WalOptions options)
    {
        final java.util.Map<String, byte[]> image;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, options))
        {
            for (final byte[] e : entries)
            {
                w.append(e);
            }
            image = Damage.capture(dir, "wal");
        }
        Damage.restore(dir, "wal", image);
    }

    /** Zero whole sectors from a sector boundary on: what a power cut that lost the tail's sectors leaves. */
    private static int loseTailSectors(final Directory dir, final String seg, final int end, final int cutSeed)
    {
        final int cut = (cutSeed % (end / Damage.SECTOR + 1)) * Damage.SECTOR;
        Damage.zero(dir, seg, cut, Integer.MAX_VALUE);
        return cut;
    }

    private static void assertPrefix(final List<byte[]> expected, final List<WalRecord<byte[]>> actual, final long firstId)
    {
        assertTrue(actual.size() <= expected.size(), "more entries than appended");
        for (int i = 0; i < actual.size(); i++)
        {
            assertEquals(firstId + i, actual.get(i).entryId(), "ids are consecutive");
            assertArrayEquals(expected.get((int)(firstId - 1) + i), actual.get(i).payload(), "entry " + (firstId + i));
        }
    }

    private static String finalSegment(final Directory dir)
    {
        return Damage.finalSegment(dir, "wal");
    }

    @Property(tries = 150, seed = "20261125")
    void bestEffortReturnsAPrefixUnderAnyTailTruncation(
        @ForAll("entries") final List<byte[]> entries,
        @ForAll("capacities") final int capacity,
        @ForAll @IntRange(min = 0, max = 100_000) final int cutSeed,
        @ForAll final boolean zeroInsteadOfTruncate)
    {
        // After a crash, losing the final segment's sectors from any sector boundary on leaves best-effort
        // replay a prefix; a truncated file is never a prefix: it is corruption in every mode.
        try (Directory dir = newDirectory())
        {
            final WalOptions options = opts(capacity);
            writeThenCrash(dir, entries, options);
            final String last = finalSegment(dir);
            final int end = Damage.dataEnd(dir, last, KIND);
            if (zeroInsteadOfTruncate)
            {
                loseTailSectors(dir, last, end, cutSeed);
                final List<WalRecord<byte[]>> got = new WalReader<>(dir, BytesCodec.INSTANCE, options).replayBestEffort();
                assertPrefix(entries, got, 1);
            }
            else
            {
                truncateFile(dir, last, cutSeed % capacity);
                final DurabilityException ex = assertThrows(DurabilityException.class,
                    () -> new WalReader<>(dir, BytesCodec.INSTANCE, options).replayBestEffort());
                assertEquals(DurabilityException.Kind.FORMAT, ex.kind());
            }
        }
    }

    @Property(tries = 120, seed = "20261126")
    void resumeRepairsContinuesIdsAndStrictReplaySucceeds(
        @ForAll("entries") final List<byte[]> entries,
        @ForAll("entries") final List<byte[]> more,
        @ForAll("capacities") final int capacity,
        @ForAll @IntRange(min = 0, max = 100_000) final int cutSeed)
    {
        // After any tail damage, resume continues right after the surviving prefix and the WAL reads strictly.
        try (Directory dir = newDirectory())
        {
            final WalOptions options = opts(capacity);
            writeThenCrash(dir, entries, options);
            final String last = finalSegment(dir);
            final int end = Damage.dataEnd(dir, last, KIND);
            loseTailSectors(dir, last, end, cutSeed);
            final int kept = new WalReader<>(dir, BytesCodec.INSTANCE, options).replayBestEffort().size();
            try (WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options))
            {
                assertEquals(kept, w.lastEntryId());
                for (final byte[] e : more)
                {
                    w.append(e);
                }
            }
            final List<byte[]> expected = new ArrayList<>(entries.subList(0, kept));
            expected.addAll(more);
            final List<WalRecord<byte[]>> got = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay();
            assertEquals(expected.size(), got.size());
            assertPrefix(expected, got, 1);
        }
    }

    @Property(tries = 80, seed = "20261127")
    void segmentationDoesNotChangeReplay(
        @ForAll("entries") final List<byte[]> entries,
        @ForAll("capacities") final int a,
        @ForAll("capacities") final int b)
    {
        // The same entries replay identically whatever the segment capacity.
        try (Directory da = newDirectory(); Directory db = newDirectory())
        {
            write(da, entries, opts(a), false);
            write(db, entries, opts(b), false);
            final List<WalRecord<byte[]>> ra = new WalReader<>(da, BytesCodec.INSTANCE, opts(a)).replay();
            final List<WalRecord<byte[]>> rb = new WalReader<>(db, BytesCodec.INSTANCE, opts(b)).replay();
            assertEquals(entries.size(), ra.size());
            assertEquals(ra.size(), rb.size());
            for (int i = 0; i < ra.size(); i++)
            {
                assertEquals(ra.get(i).entryId(), rb.get(i).entryId());
                assertArrayEquals(ra.get(i).payload(), rb.get(i).payload());
            }
        }
    }

    @Property(tries = 150, seed = "20261128")
    void corruptionInANonFinalSegmentIsNeverMasked(
        @ForAll @IntRange(min = 0, max = 1_000_000) final int segmentSeed,
        @ForAll @IntRange(min = 0, max = 1_000_000) final int byteSeed,
        @ForAll final boolean bestEffort)
    {
        // Any changed byte of a sealed, durable segment (header, frames, padding, seal) fails replay in both modes.
        try (Directory dir = newDirectory())
        {
            final List<byte[]> entries = new ArrayList<>();
            for (int i = 0; i < 60; i++)
            {
                entries.add(new byte[(i * 37) % 200]);
                Arrays.fill(entries.get(i), (byte)i);
            }
            write(dir, entries, opts(1024), true);
            final long[] ids = WalLayout.segmentIds(dir, "wal");
            assertTrue(ids.length >= 3);
            final String victim = WalLayout.segmentPath("wal", ids[segmentSeed % (ids.length - 1)]);
            final int end = Damage.dataEnd(dir, victim, KIND);
            Damage.flipByte(dir, victim, byteSeed % end);
            final ReplayMode mode = bestEffort ? ReplayMode.BEST_EFFORT : ReplayMode.STRICT;
            assertThrows(DurabilityException.class,
                () -> new WalReader<>(dir, BytesCodec.INSTANCE, opts(1024)).replay(mode),
                "damage at " + victim + " offset " + (byteSeed % end));
        }
    }

    @Property(tries = 200, seed = "20261129")
    void arbitraryDamageYieldsOurExceptionOrAPrefix(
        @ForAll("entries") final List<byte[]> entries,
        @ForAll("capacities") final int capacity,
        @ForAll("damage") final List<int[]> damage)
    {
        // Whatever bytes a segment of a cleanly closed WAL holds, replay returns every entry appended or
        // throws DurabilityException: close protects every frame, so no damage reads as a shorter prefix.
        try (Directory dir = newDirectory())
        {
            final WalOptions options = opts(capacity);
            write(dir, entries, options, false);
            final long[] ids = WalLayout.segmentIds(dir, "wal");
            for (final int[] d : damage)
            {
                final String path = WalLayout.segmentPath("wal", ids[d[0] % ids.length]);
                final int end = Math.min(capacity, Damage.dataEnd(dir, path, KIND) + 64);
                Damage.write(dir, path, d[1] % end, new byte[] {(byte)d[2]});
            }
            for (final ReplayMode mode : ReplayMode.values())
            {
                try
                {
                    final List<WalRecord<byte[]>> got = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay(mode);
                    assertPrefix(entries, got, 1);
                    assertEquals(entries.size(), got.size(), "damage cut entries of a closed WAL silently");
                }
                catch (final DurabilityException expected)
                {
                    assertNotNull(expected.kind());
                }
            }
        }
        catch (final DurabilityException setupTouchedAHeader)
        {
            // Damage.dataEnd reads headers to aim the damage; a damaged header there is fine.
        }
    }

    @Provide
    Arbitrary<List<int[]>> damage()
    {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).array(int[].class).ofSize(3).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 100, seed = "20261130")
    void aTornFrameCompletedLaterReplaysStrictly(
        @ForAll("entries") final List<byte[]> entries,
        @ForAll @IntRange(min = 0, max = 10_000) final int unused)
    {
        // A sector of the last frame that crosses one lost and later written back (a torn write
        // completed) reads strictly again.
        try (Directory dir = newDirectory())
        {
            final WalOptions options = opts(1 << 20);
            writeThenCrash(dir, entries, options);
            final String seg = finalSegment(dir);
            final Damage.FrameSpan last = Damage.lastFrameCrossingASector(dir, seg, KIND);
            net.jqwik.api.Assume.that(last != null);
            final int boundary = (last.offset() / Damage.SECTOR + 1) * Damage.SECTOR;
            final byte[] whole = Damage.read(dir, seg, boundary, boundary + Damage.SECTOR);
            Damage.tearFrame(dir, seg, last);
            final List<WalRecord<byte[]>> torn = new WalReader<>(dir, BytesCodec.INSTANCE, options).replayBestEffort();
            assertPrefix(entries, torn, 1);
            Damage.write(dir, seg, boundary, whole);
            final List<WalRecord<byte[]>> healed = new WalReader<>(dir, BytesCodec.INSTANCE, options).replay();
            assertEquals(entries.size(), healed.size());
            assertPrefix(entries, healed, 1);
        }
    }

    @Property(tries = 300, seed = "20261201")
    void decodersThrowOnlyOurExceptionOnArbitraryBytes(@ForAll final byte[] bytes)
    {
        // WalEntryCodec.decode on any bytes returns an entry or throws DurabilityException (never OOM, IOOBE...).
        final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(bytes);
        try
        {
            final WalEntry e = WalEntryCodec.INSTANCE.decode(buffer, 0, bytes.length);
            assertEquals(bytes.length, WalEntryCodec.encodedLength(e), "a decoded entry re-encodes to the same size");
        }
        catch (final DurabilityException expected)
        {
            assertEquals(DurabilityException.Kind.DECODE, expected.kind());
        }
    }

    @Property(tries = 100, seed = "20261202")
    void arbitraryFilesInTheWalFolderNeverBreakTheReader(@ForAll final byte[] bytes, @ForAll final boolean bestEffort)
    {
        // A segment file holding arbitrary bytes is rejected with DurabilityException (or read as empty when torn).
        try (Directory dir = newDirectory())
        {
            dir.atomicWrite("wal/wal-1.seg", bytes);
            try
            {
                final List<WalRecord<byte[]>> got = new WalReader<>(dir, BytesCodec.INSTANCE)
                    .replay(bestEffort ? ReplayMode.BEST_EFFORT : ReplayMode.STRICT);
                assertEquals(0, got.size());
            }
            catch (final DurabilityException expected)
            {
                assertNotNull(expected.getMessage());
            }
        }
    }
}
