package io.durability.replication.ratis;

import io.durability.walog.WalRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Three replicas in one JVM: what is acknowledged is on every replica's WAL, under the same id, byte-exact, once. */
class ThreeReplicasTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x5EED_17L);
    @TempDir
    Path root;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void acknowledgedAppendsAppearOnAllThreeWalsUnderTheSameIds() throws Exception
    {
        final int n = Replicas.appends(600);
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        try (LocalGroup group = new LocalGroup(3, root, Replicas.options());
            ReplicatedWal wal = ReplicatedWal.connect(group.peers, group.options))
        {
            group.awaitLeader(Duration.ofSeconds(30));
            final long start = System.nanoTime();
            final List<CompletableFuture<Long>> window = new ArrayList<>();
            for (long i = 1; i <= n; i++)
            {
                final byte[] payload = Replicas.payload(SEED, i);
                sent.put(i, payload);
                window.add(wal.append(payload));
                if (window.size() == 32 || i == n)
                {
                    final long first = i - window.size() + 1;
                    for (int k = 0; k < window.size(); k++)
                    {
                        acked.put(first + k, window.get(k).get(30, TimeUnit.SECONDS));
                    }
                    window.clear();
                }
            }
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            group.awaitEntries(n, Duration.ofSeconds(30));
            final List<List<WalRecord<ReplicatedEntry>>> wals = new ArrayList<>();
            for (int r = 0; r < 3; r++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(group.storeDir(r));
                final Replicas.Check check = Replicas.check(group.peers.get(r).id(), entries, acked, sent);
                assertEquals(0, check.lost(), "lost on " + group.peers.get(r).id());
                assertEquals(0, check.duplicated(), "duplicated on " + group.peers.get(r).id());
                assertEquals(n, check.entries());
                wals.add(entries);
            }
            Replicas.assertSameEntries("n1", wals.get(0), "n2", wals.get(1));
            Replicas.assertSameEntries("n1", wals.get(0), "n3", wals.get(2));
            assertEquals(n, acked.values().stream().distinct().count(), "every acknowledgement has its own id");
            System.out.printf("replication three-in-one-jvm: seed=%d acknowledged=%d lost=0 duplicated=0 replicas=3 " +
                "time=%d ms (%.0f appends/s, windows of 32)%n", SEED, acked.size(), millis, acked.size() * 1000.0 / Math.max(1, millis));
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRequestSentTwiceAsTwoCallsIsWrittenOnceAndAnsweredWithItsFirstId() throws Exception
    {
        try (LocalGroup group = new LocalGroup(3, root, Replicas.options());
            RaftClient client = RaftClient.newBuilder().setProperties(group.options.clientProperties())
                .setRaftGroup(ReplicaServer.group(group.peers, group.options))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20, TimeDuration.valueOf(250, TimeUnit.MILLISECONDS)))
                .build())
        {
            group.awaitLeader(Duration.ofSeconds(30));
            final Message first = request(42, 1, 0, "first");
            final RaftClientReply a = send(client, first);
            final RaftClientReply b = send(client, first);       // a new call id: not Ratis's retry cache
            final RaftClientReply c = send(client, request(42, 2, 1, "second"));
            final RaftClientReply stale = send(client, first);   // the writer said it has reply 1: refused
            assertEquals(1, WalStateMachine.Reply.id(a.getMessage().getContent()));
            assertEquals(WalStateMachine.Reply.WRITTEN, WalStateMachine.Reply.outcome(a.getMessage().getContent()));
            assertEquals(1, WalStateMachine.Reply.id(b.getMessage().getContent()));
            assertEquals(WalStateMachine.Reply.DUPLICATE, WalStateMachine.Reply.outcome(b.getMessage().getContent()));
            assertEquals(2, WalStateMachine.Reply.id(c.getMessage().getContent()));
            assertEquals(WalStateMachine.Reply.REFUSED, WalStateMachine.Reply.outcome(stale.getMessage().getContent()));
            group.awaitEntries(2, Duration.ofSeconds(30));
            for (int r = 0; r < 3; r++)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(group.storeDir(r));
                assertEquals(2, entries.size(), "one entry per request on " + group.peers.get(r).id());
                assertEquals("first", new String(entries.get(0).payload().payload()));
                assertEquals("second", new String(entries.get(1).payload().payload()));
            }
            final ExecutionException bad = assertThrows(ExecutionException.class,
                () -> client.async().send(Message.valueOf("not a replicated entry")).get(30, TimeUnit.SECONDS),
                "a request without the header is refused before it is logged");
            assertInstanceOf(StateMachineException.class, bad.getCause());
            assertTrue(bad.getCause().getMessage().contains("48-byte ReplicatedEntry header"), bad.getCause().getMessage());
            System.out.println("replication dedup: 4 calls, 2 entries written, duplicate answered with id 1, stale refused, " +
                "malformed refused: duplicated=0");
        }
    }

    private static RaftClientReply send(final RaftClient client, final Message message) throws Exception
    {
        final RaftClientReply reply = client.async().send(message).get(30, TimeUnit.SECONDS);
        assertTrue(reply.isSuccess(), () -> "reply: " + reply.getException());
        return reply;
    }

    static Message request(final long writer, final long sequence, final long ackedThrough, final String payload)
    {
        final byte[] p = payload.getBytes();
        final byte[] bytes = new byte[ReplicatedEntry.HEADER_LENGTH + p.length];
        final UnsafeBuffer b = new UnsafeBuffer(bytes);
        ReplicatedEntry.writeHeader(b, 0, 0, 0, 0, writer, sequence, ackedThrough);
        b.putBytes(ReplicatedEntry.HEADER_LENGTH, p);
        return Message.valueOf(ByteString.copyFrom(bytes));
    }
}
