package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalClaim;
import io.durability.walog.WalWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The catch-up chunk ({@link CatchUp}): served from a real WAL, it carries exactly the entries asked
 * for, bounded by the byte budget; a reply that is damaged or not what was asked for is refused with a
 * DurabilityException naming the peer, the offset, what was expected and what was found, before any of
 * it is written.
 */
class CatchUpTest
{
    private static final long SEED = Long.getLong("replication.seed", 0xC47C4L);
    private static final int ENTRIES = 120;

    @TempDir
    Path root;
    private final List<byte[]> written = new ArrayList<>();

    @BeforeEach
    void wal()
    {
        final SplittableRandom random = new SplittableRandom(SEED);
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<ReplicatedEntry> wal = WalWriter.create(dir, ReplicatedEntry.CODEC, Replicas.WAL.withSegmentCapacity(16 * 1024)))
        {
            for (int i = 1; i <= ENTRIES; i++)
            {
                final byte[] payload = new byte[random.nextInt(1, 400)];
                random.nextBytes(payload);
                final byte[] entry = new byte[ReplicatedEntry.HEADER_LENGTH + payload.length];
                final UnsafeBuffer b = new UnsafeBuffer(entry);
                // Raft entries of 3 appends each: index i/3, 2-1-0 after in batch.
                ReplicatedEntry.writeHeader(b, 0, 1, 1 + (i - 1) / 3, 2 - (i - 1) % 3, 7, i, 0);
                b.putBytes(ReplicatedEntry.HEADER_LENGTH, payload);
                try (WalClaim claim = wal.claim(entry.length))
                {
                    claim.buffer().putBytes(0, entry);
                    claim.commit(entry.length);
                }
                written.add(entry);
            }
            wal.flushAndSync();
        }
    }

    private ByteString serve(final long from, final int maxBytes, final long lastEntryId)
    {
        try (MmapDirectory dir = MmapDirectory.open(root))
        {
            return CatchUp.serve(dir, Replicas.WAL.withSegmentCapacity(16 * 1024), from, maxBytes, lastEntryId, 1, 40);
        }
    }

    @Test
    void aChunkCarriesTheEntriesAskedForWithinItsBudgetAcrossSegments()
    {
        long from = 5;
        int chunks = 0;
        while (from <= ENTRIES)
        {
            final CatchUp.Reply reply = CatchUp.Reply.parse("peer", serve(from, 2_000, ENTRIES), from);
            assertEquals(ENTRIES, reply.lastEntryId());
            assertEquals(40, reply.lastIndex());
            assertTrue(reply.count() >= 1, "at least one entry per chunk");
            final long first = from;
            final int[] bytes = {0};
            final long[] seen = {first - 1};
            reply.forEach((id, buffer, offset, length) ->
            {
                assertEquals(seen[0] + 1, id);
                final byte[] got = new byte[length];
                buffer.getBytes(offset, got);
                assertArrayEquals(written.get((int)id - 1), got, "entry " + id + " byte for byte");
                seen[0] = id;
                bytes[0] += length;
            });
            assertTrue(bytes[0] - written.get((int)seen[0] - 1).length < 2_000, "stops once the budget is reached: " + bytes[0]);
            from = seen[0] + 1;
            chunks++;
        }
        assertTrue(chunks > 3, "several chunks: " + chunks);
    }

    @Test
    void aChunkStopsAtThePeersStateAndIsEmptyPastIt()
    {
        final CatchUp.Reply upTo50 = CatchUp.Reply.parse("peer", serve(41, 1 << 20, 50), 41);
        assertEquals(10, upTo50.count(), "entries 41..50: the peer's state when it answered, not what its WAL holds later");
        assertEquals(0, CatchUp.Reply.parse("peer", serve(51, 1 << 20, 50), 51).count());
        assertEquals(0, CatchUp.Reply.parse("peer", serve(ENTRIES + 1, 1 << 20, ENTRIES), ENTRIES + 1).count());
    }

    @Test
    void aRequestRoundTripsAndOtherQueriesAreNotRequests()
    {
        final ByteString request = CatchUp.request(12345, 777).getContent();
        assertTrue(CatchUp.isRequest(request));
        assertEquals(12345, CatchUp.requestedFrom(request));
        assertEquals(777, CatchUp.requestedBytes(request));
        assertFalse(CatchUp.isRequest(ByteString.copyFrom(new byte[CatchUp.REQUEST_LENGTH])));
        assertFalse(CatchUp.isRequest(request.substring(0, CatchUp.REQUEST_LENGTH - 1)));
    }

    @Test
    void aDamagedOrUnaskedReplyIsRefusedBeforeAnyOfItIsUsed()
    {
        final byte[] good = serve(1, 3_000, ENTRIES).toByteArray();
        final int count = CatchUp.Reply.parse("peer", ByteString.copyFrom(good), 1).count();

        assertRefused(java.util.Arrays.copyOf(good, CatchUp.REPLY_HEADER_LENGTH - 1), 1, "shorter than its header");
        final byte[] magic = good.clone();
        magic[0] ^= 1;
        assertRefused(magic, 1, "not a catch-up reply");
        final byte[] negative = good.clone();
        new UnsafeBuffer(negative).putInt(32, -1);
        assertRefused(negative, 1, "negative");
        final byte[] more = good.clone();
        new UnsafeBuffer(more).putInt(32, count + 1);
        assertRefused(more, 1, "ends inside an entry");
        assertRefused(good, 2, "not consecutive from the one asked for");
        final byte[] longer = good.clone();
        new UnsafeBuffer(longer).putInt(CatchUp.REPLY_HEADER_LENGTH + 8, good.length);
        assertRefused(longer, 1, "runs past its end");
        final byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
        assertRefused(trailing, 1, "bytes after its last entry");
        final byte[] lastId = good.clone();
        new UnsafeBuffer(lastId).putLong(8, 1);
        assertRefused(lastId, 1, "not consecutive");
        final byte[] version = good.clone();
        new UnsafeBuffer(version).putInt(CatchUp.REPLY_HEADER_LENGTH + 12, 99);
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> CatchUp.Reply.parse("peer", ByteString.copyFrom(version), 1));
        assertEquals(DurabilityException.Kind.DECODE, ex.kind());

        // Random damage: refused with our exception or parsed into consecutive, readable entries; never anything else.
        final SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] b = good.clone();
            final int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++)
            {
                b[random.nextInt(b.length)] ^= (byte)(1 << random.nextInt(8));
            }
            try
            {
                final CatchUp.Reply r = CatchUp.Reply.parse("peer", ByteString.copyFrom(b), 1);
                final long[] expected = {1};
                r.forEach((id, buffer, offset, length) -> assertEquals(expected[0]++, id));
            }
            catch (final DurabilityException expected)
            {
                assertNotNull(expected.getMessage());
            }
        }
        System.out.printf("catch-up reply: seed=%d 20000 damaged replies refused or read as consecutive entries%n", SEED);
    }

    private static void assertRefused(final byte[] reply, final long from, final String says)
    {
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> CatchUp.Reply.parse("n2", ByteString.copyFrom(reply), from));
        assertEquals(DurabilityException.Kind.FORMAT, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(says), ex.getMessage());
        assertTrue(ex.getMessage().contains("n2"), "names the peer: " + ex.getMessage());
    }
}
