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
        s.recordEntry(1, 3, 1, 7, 1, 0);
        s.recordEntry(1, 4, 2, 7, 2, 0);
        s.recordEntry(2, 9, 3, 5, 1, 0);
        s.recordEntry(2, 10, 4, 7, 3, 2);   // writer 7 has replies through 2: forgets 1 and 2
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
        s.recordEntry(1, 1, 1, 9, 1, 0);
        s.recordEntry(1, 2, 2, 9, 2, 0);
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
    }

    private static byte[] encode(final ReplicaState s)
    {
        final byte[] bytes = new byte[(int)ReplicaState.CODEC.exactLength(s)];
        assertEquals(bytes.length, ReplicaState.CODEC.encode(s, new UnsafeBuffer(bytes), 0, bytes.length));
        return bytes;
    }
}
