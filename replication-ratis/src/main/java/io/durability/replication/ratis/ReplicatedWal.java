package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The writer of a replicated WAL: appends go to the group's leader, wherever it is.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Acknowledged</b>: the future of {@link #append} completes with the entry's id once the
 *   entry is <em>committed</em>: a majority of the group has it in its Raft log, each of them durably
 *   (fsynced), and the leader has written it to its WAL. Every member writes it to its own WAL under
 *   the same id, in the same order.</li>
 *   <li><b>Lost members</b>: an acknowledged entry survives any failure that leaves a majority of the
 *   members' disks intact: after a leader crash a new leader has it. A member that was away catches
 *   up when it returns (from the Raft log, or from a snapshot and then the log).</li>
 *   <li><b>Lost majority</b>: while fewer than a majority of members run and reach each other,
 *   nothing is acknowledged and nothing is lost: appends wait (and their futures fail after
 *   {@link ReplicationOptions#appendTimeout()}); when a majority is back the group goes on, and an
 *   append that was waiting may then still be committed.</li>
 *   <li><b>At most once</b>: each append carries this writer's id and a sequence number; a retry
 *   (Ratis's, with the same call id, or this writer's own after a leader change, with a new call)
 *   never writes the entry twice: a retried append that was already committed completes with its
 *   first id.</li>
 *   <li><b>Failure</b>: a future that fails with a timeout means "not known to be committed": the
 *   entry may still appear, once, under some id.</li>
 * </ul>
 *
 * <p>Thread-safe. Appends from one writer are committed in the order {@link #append} was called
 * when each waits for the previous one; concurrent appends (pipelined futures) are committed in an
 * order Ratis's ordered client keeps per writer, except around retries after a leader change.
 */
public final class ReplicatedWal implements AutoCloseable
{
    private final RaftGroup group;
    private final ReplicationOptions options;
    private final long writerId;
    private final ScheduledExecutorService retries;
    private RaftClient client;
    private long nextSequence = 1;
    private long ackedThrough;
    private final TreeSet<Long> ackedAbove = new TreeSet<>();
    private boolean closed;
    private final java.util.concurrent.atomic.AtomicLong resent = new java.util.concurrent.atomic.AtomicLong();

    private ReplicatedWal(final List<Peer> peers, final ReplicationOptions options)
    {
        this.group = ReplicaServer.group(peers, options);
        this.options = options;
        this.writerId = new SecureRandom().nextLong();
        this.retries = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "replicated-wal-retry");
            t.setDaemon(true);
            return t;
        });
        this.client = newClient();
    }

    /**
     * A writer for the group {@code peers} (the same list and group name as the members').
     *
     * @throws DurabilityException INVALID_CONFIG on an empty or duplicate peer list.
     */
    public static ReplicatedWal connect(final List<Peer> peers, final ReplicationOptions options)
    {
        return new ReplicatedWal(peers, options);
    }

    private RaftClient newClient()
    {
        // Ratis retries a call (same call id: its retry cache answers a duplicate) until the request
        // timeout, redirected to the leader a member names; this writer retries beyond that.
        return RaftClient.newBuilder()
            .setProperties(options.clientProperties())
            .setRaftGroup(group)
            .setClientId(ClientId.randomId())
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                Math.max(3, (int)(options.requestTimeout().toMillis() / 200)), TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
            .build();
    }

    /** @return this writer's id, stored in the header of every entry it appends. */
    public long writerId()
    {
        return writerId;
    }

    /**
     * Append {@code payload} to the replicated WAL.
     *
     * @param payload the entry's bytes (copied before return).
     * @return a future completed with the entry's id once a majority committed it (see the class
     * comment), or failed with a {@link DurabilityException}: INVALID_STATE when the writer is closed,
     * IO when the entry was not acknowledged within the append timeout (it may still be committed).
     */
    public CompletableFuture<Long> append(final byte[] payload)
    {
        final long sequence;
        final long acked;
        synchronized (this)
        {
            if (closed)
            {
                return CompletableFuture.failedFuture(DurabilityException.invalidState("the replicated WAL writer is closed", null));
            }
            sequence = nextSequence++;
            acked = ackedThrough;
        }
        final byte[] request = new byte[ReplicatedEntry.HEADER_LENGTH + payload.length];
        final UnsafeBuffer b = new UnsafeBuffer(request);
        ReplicatedEntry.writeHeader(b, 0, 0, 0, writerId, sequence, acked);
        b.putBytes(ReplicatedEntry.HEADER_LENGTH, payload);
        final Message message = Message.valueOf(ByteString.copyFrom(request));
        final CompletableFuture<Long> result = new CompletableFuture<>();
        final long deadline = System.nanoTime() + options.appendTimeout().toNanos();
        send(message, sequence, deadline, result, 1);
        return result;
    }

    /**
     * {@link #append} and wait for its acknowledgement.
     *
     * @return the entry's id.
     * @throws DurabilityException as {@link #append}'s future fails.
     */
    public long appendAndWait(final byte[] payload)
    {
        try
        {
            return append(payload).get();
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof DurabilityException d ? d :
                DurabilityException.io("append failed: " + ex.getCause(), null, ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw DurabilityException.io("interrupted while waiting for an acknowledgement", null, ex);
        }
    }

    private void send(
        final Message message, final long sequence, final long deadline, final CompletableFuture<Long> result,
        final int attempt)
    {
        final RaftClient c;
        synchronized (this)
        {
            if (closed)
            {
                result.completeExceptionally(DurabilityException.invalidState("the replicated WAL writer is closed", null));
                return;
            }
            c = client;
        }
        final long remaining = deadline - System.nanoTime();
        c.async().send(message)
            .orTimeout(Math.max(1, remaining), TimeUnit.NANOSECONDS)
            .whenComplete((reply, error) ->
            {
                final Throwable failure = error != null ? unwrap(error) : reply.isSuccess() ? null : reply.getException();
                if (failure == null)
                {
                    final ByteString content = reply.getMessage().getContent();
                    final byte outcome = WalStateMachine.Reply.outcome(content);
                    if (outcome == WalStateMachine.Reply.REFUSED)
                    {
                        result.completeExceptionally(DurabilityException.invalidState("the group refused request " +
                            sequence + " of writer " + writerId + ": it had already been acknowledged", null));
                        return;
                    }
                    acknowledged(sequence);
                    result.complete(WalStateMachine.Reply.id(content));
                    return;
                }
                if (failure instanceof StateMachineException)
                {
                    result.completeExceptionally(DurabilityException.invalidState("the group refused the append: " +
                        failure.getMessage(), null));
                    return;
                }
                if (System.nanoTime() - deadline >= 0 || failure instanceof TimeoutException && remaining <= 0)
                {
                    result.completeExceptionally(DurabilityException.io("not acknowledged within " +
                        options.appendTimeout().toMillis() + " ms (" + attempt + " attempts; the entry may still be " +
                        "committed, once): " + failure, null, failure));
                    return;
                }
                // A new call (Ratis gave up on the old one, or its client is closed): the state machine
                // recognizes the (writer, sequence) and answers a committed one with its first id.
                renewClientIfClosed(c, failure);
                resent.incrementAndGet();
                retries.schedule(() -> send(message, sequence, deadline, result, attempt + 1), 200, TimeUnit.MILLISECONDS);
            });
    }

    private static Throwable unwrap(final Throwable t)
    {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private synchronized void renewClientIfClosed(final RaftClient failed, final Throwable failure)
    {
        if (!closed && client == failed && failure instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException)
        {
            try
            {
                failed.close();
            }
            catch (final IOException ignored)
            {
                // it is being replaced; its close failing changes nothing for the new one
            }
            client = newClient();
        }
    }

    private synchronized void acknowledged(final long sequence)
    {
        ackedAbove.add(sequence);
        while (!ackedAbove.isEmpty() && ackedAbove.first() == ackedThrough + 1)
        {
            ackedThrough = ackedAbove.pollFirst();
        }
    }

    /**
     * @return how many times this writer sent a request again as a new call (after Ratis gave up on a
     * call, typically around a leader change); each is answered once, as a duplicate when it had been
     * committed already.
     */
    public long resentRequests()
    {
        return resent.get();
    }

    /** @return the leader the writer last heard of, or null. */
    public synchronized String leaderId()
    {
        final RaftPeerId id = client.getLeaderId();
        return id == null ? null : id.toString();
    }

    /** Close the client; appends not yet acknowledged fail with INVALID_STATE when they would be retried. */
    @Override
    public void close()
    {
        final RaftClient c;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            c = client;
        }
        retries.shutdownNow();
        try
        {
            c.close();
        }
        catch (final IOException ex)
        {
            throw DurabilityException.io("cannot close the replicated WAL client: " + ex.getMessage(), null, ex);
        }
    }
}
