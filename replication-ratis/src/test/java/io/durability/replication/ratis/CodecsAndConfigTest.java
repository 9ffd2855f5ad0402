package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The module's layouts and configuration refuse bad input with a DurabilityException that says what was expected. */
class CodecsAndConfigTest
{
    @Test
    void replicaStateRoundTripsDeterministically()
    {
        final ReplicaState s = new ReplicaState();
        s.recordEntry(1, 7, 1, 0);
        s.advance(1, 3);
        s.recordEntry(2, 7, 2, 0);
        s.advance(1, 4);
        s.recordEntry(3, 5, 1, 0);
        s.advance(2, 9);
        s.recordEntry(4, 7, 3, 2);   // writer 7 has replies through 2: forgets 1 and 2
        s.advance(2, 10);
        s.advance(2, 12);
        assertEquals(-1, s.idOf(7, 4));
        assertEquals(0, s.idOf(7, 2), "acknowledged through 2: a repeat is stale");
        assertEquals(4, s.idOf(7, 3));
        assertEquals(3, s.idOf(5, 1));
        final byte[] a = encode(s);
        final ReplicaState back = ReplicaState.CODEC.decode(new UnsafeBuffer(a), 0, a.length);
        assertEquals(s, back);
        assertArrayEquals(a, encode(back), "same state, same bytes");
        assertEquals(12, back.lastIndex());
        assertEquals(4, back.lastEntryId());
    }

    @Test
    void replicaStateRefusesEveryTruncationAndRandomBytes()
    {
        final ReplicaState s = new ReplicaState();
        s.recordEntry(1, 9, 1, 0);
        s.advance(1, 1);
        s.recordEntry(2, 9, 2, 0);
        s.advance(1, 2);
        final byte[] a = encode(s);
        for (int length = 0; length < a.length; length++)
        {
            final int n = length;
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> ReplicaState.CODEC.decode(new UnsafeBuffer(a), 0, n), "truncated to " + n);
            assertEquals(DurabilityException.Kind.DECODE, ex.kind());
        }
        final SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 2_000; i++)
        {
            final byte[] b = a.clone();
            b[random.nextInt(b.length)] = (byte)random.nextInt(256);
            try
            {
                ReplicaState.CODEC.decode(new UnsafeBuffer(b), 0, b.length);
            }
            catch (final DurabilityException expected)
            {
                assertEquals(DurabilityException.Kind.DECODE, expected.kind());
            }
        }
    }

    @Test
    void replicatedEntryRefusesAShortOrForeignHeader()
    {
        final byte[] shortEntry = new byte[ReplicatedEntry.HEADER_LENGTH - 1];
        final DurabilityException tooShort = assertThrows(DurabilityException.class,
            () -> ReplicatedEntry.PAYLOADS.decode(new UnsafeBuffer(shortEntry), 0, shortEntry.length));
        assertTrue(tooShort.getMessage().contains("shorter than its header"), tooShort.getMessage());
        final byte[] foreign = new byte[ReplicatedEntry.HEADER_LENGTH + 3];
        new UnsafeBuffer(foreign).putInt(0, 99);
        final DurabilityException version = assertThrows(DurabilityException.class,
            () -> ReplicatedEntry.CODEC.decode(new UnsafeBuffer(foreign), 0, foreign.length));
        assertEquals("99", version.found());
        final ReplicatedEntry e = new ReplicatedEntry(3, 40, 7, 2, 1, new byte[] {1, 2, 3});
        final byte[] bytes = new byte[ReplicatedEntry.HEADER_LENGTH + 3];
        assertEquals(bytes.length, ReplicatedEntry.CODEC.encode(e, new UnsafeBuffer(bytes), 0, bytes.length));
        final ReplicatedEntry back = ReplicatedEntry.CODEC.decode(new UnsafeBuffer(bytes), 0, bytes.length);
        assertEquals(List.of(3L, 40L, 7L, 2L, 1L), List.of(back.term(), back.index(), back.clientId(), back.sequence(),
            back.ackedThrough()));
        assertArrayEquals(new byte[] {1, 2, 3}, ReplicatedEntry.PAYLOADS.decode(new UnsafeBuffer(bytes), 0, bytes.length));
        assertThrows(DurabilityException.class, () -> ReplicatedEntry.PAYLOADS.encode(new byte[1], new UnsafeBuffer(bytes), 0, 1),
            "a replica's WAL is written by its state machine only");
    }

    @Test
    void peersAndOptionsRefuseBadValuesNamingThem()
    {
        assertEquals(List.of(new Peer("n1", "127.0.0.1", 9871), new Peer("n2", "127.0.0.1", 9872)),
            Peer.parseList("n1=127.0.0.1:9871, n2=127.0.0.1:9872"));
        for (final String bad : List.of("n1", "n1=host", "n1=host:", "=host:1", "n1=host:x", "n1=host:70000", "n 1=h:1"))
        {
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> Peer.parseList(bad), bad);
            assertEquals(DurabilityException.Kind.INVALID_CONFIG, ex.kind(), bad);
        }
        final List<Peer> twice = List.of(new Peer("n1", "127.0.0.1", 1), new Peer("n1", "127.0.0.1", 2));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG,
            assertThrows(DurabilityException.class, () -> ReplicaServer.group(twice, ReplicationOptions.defaults())).kind());
        assertThrows(DurabilityException.class, () -> ReplicaServer.start("n9", twice.subList(0, 1), java.nio.file.Path.of("/tmp/x"),
            ReplicationOptions.defaults()), "a member must be one of the peers");
        final ReplicationOptions o = ReplicationOptions.defaults();
        assertThrows(DurabilityException.class, () -> o.withElectionTimeout(Duration.ofSeconds(3), Duration.ofSeconds(2)));
        assertThrows(DurabilityException.class, () -> o.withAppendTimeout(Duration.ZERO));
        assertThrows(DurabilityException.class, () -> o.withSnapshotEvery(0));
        assertThrows(DurabilityException.class, () -> o.withRaftSegmentBytes(1024));
        assertThrows(DurabilityException.class, () -> o.withGroupName(" "));
        assertThrows(DurabilityException.class, () -> o.withBatching(0, 1 << 20));
        assertThrows(DurabilityException.class, () -> o.withBatching(16, 100));
        assertThrows(DurabilityException.class, () -> o.withBatching(16, 8 << 20), "more than half a Raft segment");
        assertThrows(DurabilityException.class, () -> o.withRequestsInFlight(0));
        assertThrows(DurabilityException.class, () -> o.withRequestsInFlight(65));
        assertThrows(DurabilityException.class, () -> o.withBackPressure(0, 1, Duration.ZERO));
        assertThrows(DurabilityException.class, () -> o.withBackPressure(1, 0, Duration.ZERO));
        assertThrows(DurabilityException.class, () -> o.withBackPressure(1, 1, Duration.ofMillis(-1)));
        assertEquals(32 * 1024, o.withRaftSegmentBytes(64 * 1024).batchMaxBytes(), "a batch fits twice in a Raft segment");
        final ReplicationOptions tuned = o.withBatching(64, 4096).withRequestsInFlight(2).withBackPressure(10, 100, Duration.ZERO);
        assertEquals(List.of(64, 4096, 2), List.of(tuned.batchMaxEntries(), tuned.batchMaxBytes(), tuned.requestsInFlight()));
        assertEquals(List.of(10L, 100L), List.of(tuned.maxPendingEntries(), tuned.maxPendingBytes()));
        assertEquals(Duration.ZERO, tuned.backPressureWait());
        assertEquals(4096, o.batchMaxEntries(), "the copy leaves the original alone");
    }

    @Test
    void aBatchRequestIsReadBackAndEveryTruncationOrMutationIsNamedNotThrown()
    {
        final byte[][] payloads = {new byte[] {1, 2, 3}, new byte[0], new byte[] {9}};
        final byte[] a = ReplicatedBatch.encode(77, 5, new long[] {6, 7, 8}, payloads, 3);
        final UnsafeBuffer in = new UnsafeBuffer(a);
        assertNull(ReplicatedBatch.problem(in, a.length));
        assertTrue(ReplicatedBatch.isBatch(a.length, in.getInt(0)));
        assertEquals(List.of(3, 77L, 5L), List.of(ReplicatedBatch.count(in), ReplicatedBatch.writerId(in), ReplicatedBatch.ackedThrough(in)));
        int p = ReplicatedBatch.HEADER_LENGTH;
        for (int i = 0; i < 3; i++)
        {
            assertEquals(6 + i, ReplicatedBatch.sequence(in, p));
            final byte[] back = new byte[ReplicatedBatch.payloadLength(in, p)];
            in.getBytes(ReplicatedBatch.payloadOffset(p), back);
            assertArrayEquals(payloads[i], back);
            p = ReplicatedBatch.next(in, p);
        }
        assertEquals(a.length, p);
        for (int length = 0; length < a.length; length++)
        {
            assertNotNull(ReplicatedBatch.problem(new UnsafeBuffer(a), length), "truncated to " + length);
        }
        final byte[] longer = java.util.Arrays.copyOf(a, a.length + 1);
        assertTrue(ReplicatedBatch.problem(new UnsafeBuffer(longer), longer.length).contains("after it"));
        final long seed = Long.getLong("replication.seed", 23);
        final SplittableRandom random = new SplittableRandom(seed);
        int refused = 0;
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] b = a.clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--)
            {
                b[random.nextInt(b.length)] = (byte)random.nextInt(256);
            }
            final UnsafeBuffer m = new UnsafeBuffer(b);
            if (ReplicatedBatch.problem(m, b.length) != null)
            {
                refused++;
                continue;
            }
            // accepted: the walk stays inside the bytes and ends exactly at the end
            int q = ReplicatedBatch.HEADER_LENGTH;
            for (int r = 0; r < ReplicatedBatch.count(m); r++)
            {
                q = ReplicatedBatch.next(m, q);
                assertTrue(q <= b.length, "seed " + seed + ": an accepted mutation walks out of its bytes");
            }
            assertEquals(b.length, q, "seed " + seed);
        }
        assertTrue(refused > 0, "seed " + seed + ": mutations of counts and lengths are refused");

        final UnsafeBuffer reply = ReplicatedBatch.newReply(2);
        ReplicatedBatch.putOutcome(reply, 0, 41, WalStateMachine.Reply.WRITTEN);
        ReplicatedBatch.putOutcome(reply, 1, 12, WalStateMachine.Reply.DUPLICATE);
        assertEquals(2, ReplicatedBatch.replyCount(reply, reply.capacity()));
        assertEquals(-1, ReplicatedBatch.replyCount(reply, reply.capacity() - 1));
        assertEquals(List.of(41L, 12L), List.of(ReplicatedBatch.replyId(reply, 0), ReplicatedBatch.replyId(reply, 1)));
        assertEquals(WalStateMachine.Reply.DUPLICATE, ReplicatedBatch.replyOutcome(reply, 1));
    }

    @Test
    void entriesOfVersionOneAreReadAsWholeRaftEntriesAndOtherVersionsAreRefused()
    {
        final byte[] bytes = new byte[ReplicatedEntry.HEADER_LENGTH + 2];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        ReplicatedEntry.writeHeader(b, 0, 3, 40, 5, 7, 2, 1);
        assertEquals(ReplicatedEntry.VERSION, b.getInt(0));
        assertEquals(5, ReplicatedEntry.afterInBatch(b, 0));
        assertEquals(40, ReplicatedEntry.CODEC.decode(b, 0, bytes.length).index());
        // version 1, as 0.1 wrote it: offset 4 reserved, 0
        b.putInt(0, 1);
        b.putInt(4, 0);
        final ReplicatedEntry old = ReplicatedEntry.CODEC.decode(b, 0, bytes.length);
        assertEquals(List.of(3L, 40L, 7L, 2L, 1L), List.of(old.term(), old.index(), old.clientId(), old.sequence(), old.ackedThrough()));
        assertEquals(0, ReplicatedEntry.afterInBatch(b, 0), "a version 1 entry is the whole of its Raft entry");
        b.putInt(4, 3);
        final DurabilityException reserved = assertThrows(DurabilityException.class, () -> ReplicatedEntry.CODEC.decode(b, 0, bytes.length));
        assertEquals(DurabilityException.Kind.DECODE, reserved.kind());
        assertEquals("3", reserved.found());
        b.putInt(0, 2);
        b.putInt(4, -1);
        assertEquals("-1", assertThrows(DurabilityException.class, () -> ReplicatedEntry.CODEC.decode(b, 0, bytes.length)).found());
        b.putInt(0, 3);
        b.putInt(4, 0);
        final DurabilityException newer = assertThrows(DurabilityException.class, () -> ReplicatedEntry.CODEC.decode(b, 0, bytes.length));
        assertEquals("3", newer.found());
        assertEquals("1..2", newer.expected());
    }

    @Test
    void applyReadsEveryKindOfByteStringAsItsBytes()
    {
        final byte[] bytes = new byte[300];
        new SplittableRandom(5).nextBytes(bytes);
        final org.apache.ratis.thirdparty.com.google.protobuf.ByteString literal =
            org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(bytes);
        final org.apache.ratis.thirdparty.com.google.protobuf.ByteString slice = literal.substring(17, 250);
        final org.apache.ratis.thirdparty.com.google.protobuf.ByteString rope = literal.substring(0, 100).concat(literal.substring(100));
        final java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(300).put(bytes).flip();
        final org.apache.ratis.thirdparty.com.google.protobuf.ByteString offHeap =
            org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(direct);
        for (final org.apache.ratis.thirdparty.com.google.protobuf.ByteString b : List.of(literal, slice, rope, offHeap))
        {
            final UnsafeBuffer view = WalStateMachine.view(b);
            final byte[] seen = new byte[view.capacity()];
            view.getBytes(0, seen);
            assertArrayEquals(b.toByteArray(), seen, b.getClass().getSimpleName());
        }
    }

    private static byte[] encode(final ReplicaState s)
    {
        final byte[] bytes = new byte[(int)ReplicaState.CODEC.exactLength(s)];
        assertEquals(bytes.length, ReplicaState.CODEC.encode(s, new UnsafeBuffer(bytes), 0, bytes.length));
        return bytes;
    }
}
