package io.durability.replication.ratis;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ReplicaState}'s primitive per-client tables answer exactly what a sorted map of boxed
 * (sequence, id) pairs answers, survive their checkpoint encoding, and applying appends allocates
 * nothing once a client's table has its size.
 */
class ReplicaStateTest
{
    private static final long SEED = Long.getLong("replicaState.seed", 20261207L);

    /** The model: what the state held before it went primitive (sorted maps, boxed keys). */
    private static final class Model
    {
        final TreeMap<Long, TreeMap<Long, Long>> bySequence = new TreeMap<>();
        final TreeMap<Long, Long> acked = new TreeMap<>();

        long idOf(final long client, final long sequence)
        {
            if (!bySequence.containsKey(client))
            {
                return -1;
            }
            if (sequence <= acked.get(client))
            {
                return 0;
            }
            final Long id = bySequence.get(client).get(sequence);
            return id == null ? -1 : id;
        }

        long highest(final long client)
        {
            if (!bySequence.containsKey(client))
            {
                return 0;
            }
            final TreeMap<Long, Long> m = bySequence.get(client);
            return m.isEmpty() ? acked.get(client) : Math.max(acked.get(client), m.lastKey());
        }

        void record(final long id, final long client, final long sequence, final long ackedThrough)
        {
            bySequence.computeIfAbsent(client, k -> new TreeMap<>()).put(sequence, id);
            acked.putIfAbsent(client, 0L);
            if (ackedThrough > acked.get(client))
            {
                acked.put(client, ackedThrough);
                bySequence.get(client).headMap(ackedThrough, true).clear();
            }
        }
    }

    @Test
    void answersAsASortedMapDoesThroughRecordsAcknowledgementsAndCheckpoints()
    {
        System.out.println("replica state: seed=" + SEED + " (-DreplicaState.seed=" + SEED + " repeats it)");
        final SplittableRandom random = new SplittableRandom(SEED);
        final ReplicaState state = new ReplicaState();
        final Model model = new Model();
        final long[] nextSequence = new long[5];
        final long[] ackedThrough = new long[5];
        long id = 0;
        for (int step = 0; step < 200_000; step++)
        {
            final int c = random.nextInt(5);
            final long client = 1000L * c + 7;
            // Mostly in order (what apply lets through), sometimes a sequence skipped (a refused request).
            nextSequence[c] += random.nextInt(10) == 0 ? 2 : 1;
            // The writer acknowledges in bursts: its table grows, then shrinks from the front.
            if (random.nextInt(50) == 0)
            {
                ackedThrough[c] = nextSequence[c] - 1 - random.nextInt(3);
            }
            id++;
            state.recordEntry(id, client, nextSequence[c], ackedThrough[c]);
            model.record(id, client, nextSequence[c], ackedThrough[c]);
            final long probe = Math.max(0, nextSequence[c] - random.nextInt(40));
            assertEquals(model.idOf(client, probe), state.idOf(client, probe), "step " + step + " idOf(" + client + ", " + probe + ")");
            assertEquals(model.highest(client), state.highestSequence(client), "step " + step);
            assertEquals(-1, state.idOf(client + 1, probe), "an unknown client");
            if (step % 20_000 == 0)
            {
                final ReplicaState back = roundTrip(state);
                assertEquals(state, back, "step " + step);
                assertArrayEquals(encode(state), encode(back), "same state, same bytes");
            }
        }
        for (final Map.Entry<Long, TreeMap<Long, Long>> e : model.bySequence.entrySet())
        {
            for (final Map.Entry<Long, Long> r : e.getValue().entrySet())
            {
                assertEquals(r.getValue(), state.idOf(e.getKey(), r.getKey()));
            }
        }
        assertEquals(5, state.clientCount());
    }

    @Test
    void aCheckpointWithSequencesOutOfOrderDecodesSorted()
    {
        final ReplicaState s = new ReplicaState();
        for (int i = 1; i <= 6; i++)
        {
            s.recordEntry(i, 3, i, 0);
        }
        final byte[] bytes = encode(s);
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        // Client 3's six pairs start at 32 + 20; reverse them.
        final int first = 52;
        final byte[] reversed = bytes.clone();
        final UnsafeBuffer r = new UnsafeBuffer(reversed);
        for (int i = 0; i < 6; i++)
        {
            r.putLong(first + 16 * i, b.getLong(first + 16 * (5 - i)));
            r.putLong(first + 16 * i + 8, b.getLong(first + 16 * (5 - i) + 8));
        }
        final ReplicaState back = ReplicaState.CODEC.decode(r, 0, reversed.length);
        assertEquals(s, back);
        assertArrayEquals(bytes, encode(back));
        for (int i = 1; i <= 6; i++)
        {
            assertEquals(i, back.idOf(3, i));
        }
        assertEquals(6, back.highestSequence(3));
    }

    /** A sequence below the newest, recorded when the table is full and its front was forgotten (the pairs move). */
    @Test
    void aSequenceRecordedOutOfOrderLandsInPlaceWhenTheTableMoves()
    {
        for (int acked = 0; acked <= 10; acked += 2)
        {
            final ReplicaState s = new ReplicaState();
            final Model model = new Model();
            long id = 0;
            // Eight pairs fill the table; the last record's acknowledgement forgets the front.
            for (long sequence = 2; sequence <= 16; sequence += 2)
            {
                final long ack = sequence == 16 ? acked : 0;
                s.recordEntry(++id, 9, sequence, ack);
                model.record(id, 9, sequence, ack);
            }
            // Then 11 (between 10 and 12) into the full table whose pairs start past its front.
            s.recordEntry(++id, 9, 11, acked);
            model.record(id, 9, 11, acked);
            for (long sequence = 0; sequence <= 18; sequence++)
            {
                assertEquals(model.idOf(9, sequence), s.idOf(9, sequence), "acked " + acked + ", sequence " + sequence);
            }
            assertEquals(16, s.highestSequence(9));
            assertEquals(s, roundTrip(s));
        }
    }

    @Test
    void applyingAppendsAllocatesNothingInSteadyState()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeAllocationCounted(threads);
        final ReplicaState state = new ReplicaState();
        final long[] clients = {1L << 40, 77_777_777_777L, -5L};
        long id = 0;
        long sequence = 0;
        // Warm up: the tables reach their size, the code its compiled form.
        for (int i = 0; i < 200_000; i++)
        {
            id = apply(state, clients, id, ++sequence);
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++)
        {
            id = apply(state, clients, id, ++sequence);
        }
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        // The counter itself may cost a few bytes; one boxed key per append would be 1.6 MB here.
        assertTrue(allocated < 4_096, "applying 100 000 appends allocated " + allocated + " bytes");
    }

    /** One append of every client, as apply does it: look the request up, then record it. */
    private static long apply(final ReplicaState state, final long[] clients, final long id, final long sequence)
    {
        long next = id;
        for (final long client : clients)
        {
            if (state.idOf(client, sequence) != -1 || sequence < state.highestSequence(client))
            {
                throw new AssertionError("sequence " + sequence + " of " + client + " looked known");
            }
            next++;
            // The writer has the replies of all but its last 64 requests.
            state.recordEntry(next, client, sequence, Math.max(0, sequence - 64));
        }
        return next;
    }

    private static void assumeAllocationCounted(final com.sun.management.ThreadMXBean threads)
    {
        if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled())
        {
            throw new org.opentest4j.TestAbortedException("this JVM does not count allocated bytes per thread");
        }
    }

    private static ReplicaState roundTrip(final ReplicaState s)
    {
        final byte[] a = encode(s);
        return ReplicaState.CODEC.decode(new UnsafeBuffer(a), 0, a.length);
    }

    private static byte[] encode(final ReplicaState s)
    {
        final byte[] bytes = new byte[(int)ReplicaState.CODEC.exactLength(s)];
        assertEquals(bytes.length, ReplicaState.CODEC.encode(s, new UnsafeBuffer(bytes), 0, bytes.length));
        return bytes;
    }
}
