package io.durability.replication.ratis;

import io.durability.storage.DurabilityException;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer of a replicated WAL: appends go to the group's leader, wherever it is, in batches.
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
 *   <li><b>In order</b>: this writer's entries are in every member's WAL in the order
 *   {@link #append} was called (their ids increase with it). An append that could only be committed
 *   after a later one of this writer (a retry overtaken around a leader change) is refused by the
 *   group and its future fails with INVALID_STATE: it is not in the WAL.</li>
 *   <li><b>Failure</b>: a future that fails with IO (a timeout) means "not known to be committed": the
 *   entry may still appear, once, under some id, and never after a later append of this writer that
 *   was acknowledged.</li>
 * </ul>
 *
 * <h2>Group commit and back-pressure</h2>
 * {@code append} copies the payload, queues it and returns; it never waits for the network. One
 * background thread sends the queue as requests: while fewer than
 * {@link ReplicationOptions#requestsInFlight()} requests are in flight, everything queued (up to
 * {@link ReplicationOptions#batchMaxEntries()} appends and {@link ReplicationOptions#batchMaxBytes()})
 * leaves as one request, which is one Raft entry; its reply completes all its futures. An append that
 * finds the writer holding {@link ReplicationOptions#maxPendingEntries()} appends or
 * {@link ReplicationOptions#maxPendingBytes()} queued or in flight waits at most
 * {@link ReplicationOptions#backPressureWait()} for room, then returns a future failed with
 * INVALID_STATE: that is the only time {@code append} blocks.
 *
 * <h2>Leader changes</h2>
 * The writer finds the leader with quiet blocking calls (one request at a time) when it starts and
 * after Ratis's client gave up on a request; then it pipelines. While a leader change is in
 * progress Ratis's own client logs each redirected request through the slf4j logger
 * {@code org.apache.ratis.client.impl.OrderedAsync} at ERROR level; set that logger to OFF (or WARN)
 * where failovers are expected. Nothing is lost or duplicated by them.
 *
 * <p>Thread-safe: any thread may call {@link #append}; futures complete on the writer's own thread
 * (do not block in their callbacks).
 */
public final class ReplicatedWal implements AutoCloseable
{
    private static final long RETRY_DELAY_MILLIS = 50;

    private final RaftGroup group;
    private final ReplicationOptions options;
    private final long writerId;
    /** Sends, handles replies and retries: every request leaves from this one thread, in sequence order. */
    private final ScheduledExecutorService io;
    /** Blocking sends while the leader is not known: Ratis's blocking client follows redirects quietly. */
    private final ExecutorService probe;
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong requestsSent = new AtomicLong();
    private final AtomicLong appendsSent = new AtomicLong();

    // Guarded by this.
    private RaftClient client;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Map<Batch, Boolean> inFlight = new IdentityHashMap<>();
    private long nextSequence = 1;
    private long repliedThrough;
    /** Sequences replied to above {@link #repliedThrough} (out of order); primitive, so a reply boxes nothing. */
    private final LongHashSet repliedAbove = new LongHashSet();
    private long pendingEntries;
    private long pendingBytes;
    private int requestsInFlight;
    private int resending;
    private boolean leaderKnown;
    private boolean pumpScheduled;
    private boolean closed;

    /** One append: its payload (a copy), its sequence, its future. */
    private static final class Pending
    {
        final byte[] payload;
        final long deadline;
        final CompletableFuture<Long> future = new CompletableFuture<>();
        long sequence;

        Pending(final byte[] payload, final long deadline)
        {
            this.payload = payload;
            this.deadline = deadline;
        }
    }

    /** One request: appends of consecutive sequences, sent (and sent again) as one Raft entry. */
    private static final class Batch
    {
        final Pending[] appends;
        final long bytes;
        final Message message;
        final long deadline;
        boolean resend;

        Batch(final Pending[] appends, final long bytes, final Message message)
        {
            this.appends = appends;
            this.bytes = bytes;
            this.message = message;
            this.deadline = appends[0].deadline;
        }
    }

    private ReplicatedWal(final List<Peer> peers, final ReplicationOptions options)
    {
        this.group = ReplicaServer.group(peers, options);
        this.options = options;
        this.writerId = new SecureRandom().nextLong();
        this.io = Executors.newSingleThreadScheduledExecutor(daemon("replicated-wal-io"));
        this.probe = Executors.newSingleThreadExecutor(daemon("replicated-wal-probe"));
        this.client = newClient();
    }

    private static ThreadFactory daemon(final String name)
    {
        return r ->
        {
            final Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
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
        // Ratis retries a call (same call id: its retry cache answers a duplicate) until about the
        // request timeout, redirected to the leader a member names; this writer retries beyond that.
        return RaftClient.newBuilder()
            .setProperties(options.clientProperties())
            .setRaftGroup(group)
            .setClientId(ClientId.randomId())
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                (int)Math.max(10, options.requestTimeout().toMillis() / RETRY_DELAY_MILLIS),
                TimeDuration.valueOf(RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS)))
            .build();
    }

    /** @return this writer's id, stored in the header of every entry it appends. */
    public long writerId()
    {
        return writerId;
    }

    /**
     * Append {@code payload} to the replicated WAL. Returns at once, except at the back-pressure bound
     * (see the class comment), where it waits at most {@link ReplicationOptions#backPressureWait()}.
     *
     * @param payload the entry's bytes (copied before return).
     * @return a future completed with the entry's id once a majority committed it (see the class
     * comment), or failed with a {@link DurabilityException}: INVALID_STATE when the writer is closed,
     * when the back-pressure bound held for the whole wait (not sent), or when the group refused the
     * append (out of order: not written); IO when the entry was not acknowledged within the append
     * timeout (it may still be committed, once).
     * @throws DurabilityException INVALID_CONFIG when {@code payload} is null.
     */
    public CompletableFuture<Long> append(final byte[] payload)
    {
        if (payload == null)
        {
            throw DurabilityException.invalidConfig("an append's payload", "a byte array (may be empty)", null);
        }
        final Pending p = new Pending(payload.clone(), System.nanoTime() + options.appendTimeout().toNanos());
        final boolean schedule;
        synchronized (this)
        {
            if (closed)
            {
                return CompletableFuture.failedFuture(DurabilityException.invalidState("the replicated WAL writer is closed", null));
            }
            if (!roomFor(p.payload.length))
            {
                final String full = waitForRoom(p.payload.length);
                if (full != null)
                {
                    return CompletableFuture.failedFuture(DurabilityException.invalidState(full, null));
                }
            }
            p.sequence = nextSequence++;
            queue.add(p);
            pendingEntries++;
            pendingBytes += p.payload.length;
            schedule = !pumpScheduled && resending == 0 && requestsInFlight < (leaderKnown ? options.requestsInFlight() : 1);
            if (schedule)
            {
                pumpScheduled = true;
            }
        }
        if (schedule)
        {
            io.execute(this::pump);
        }
        return p.future;
    }

    private boolean roomFor(final int bytes)
    {
        return pendingEntries == 0 ||
            pendingEntries < options.maxPendingEntries() && pendingBytes + bytes <= options.maxPendingBytes();
    }

    /** @return null once there is room, or why the append is refused. Holds this. */
    private String waitForRoom(final int bytes)
    {
        final long until = System.nanoTime() + options.backPressureWait().toNanos();
        while (!roomFor(bytes))
        {
            if (closed)
            {
                return "the replicated WAL writer is closed";
            }
            final long left = until - System.nanoTime();
            if (left <= 0)
            {
                return "back-pressure: " + pendingEntries + " appends (" + pendingBytes + " bytes) queued or in flight, " +
                    "the bound is " + options.maxPendingEntries() + " appends and " + options.maxPendingBytes() +
                    " bytes; no room within " + options.backPressureWait().toMillis() + " ms; the append was not sent";
            }
            try
            {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return "interrupted while waiting for room (back-pressure); the append was not sent";
            }
        }
        return closed ? "the replicated WAL writer is closed" : null;
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

    // ------------------------------------------------------------------------------------------ sending (io thread)

    private void pump()
    {
        while (true)
        {
            final Batch batch;
            final boolean quiet;
            final RaftClient c;
            synchronized (this)
            {
                pumpScheduled = false;
                if (closed || queue.isEmpty() || resending > 0 ||
                    requestsInFlight >= (leaderKnown ? options.requestsInFlight() : 1))
                {
                    return;
                }
                batch = takeBatch();
                requestsInFlight++;
                inFlight.put(batch, Boolean.TRUE);
                quiet = !leaderKnown;
                c = client;
            }
            requestsSent.incrementAndGet();
            appendsSent.addAndGet(batch.appends.length);
            if (quiet)
            {
                sendQuietly(batch, c);
                return;
            }
            sendPipelined(batch, c);
        }
    }

    /** Holds this. */
    private Batch takeBatch()
    {
        final int max = Math.min(queue.size(), options.batchMaxEntries());
        final List<Pending> taken = new ArrayList<>(max);
        long bytes = 0;
        while (!queue.isEmpty() && taken.size() < max)
        {
            final int next = queue.peekFirst().payload.length;
            if (!taken.isEmpty() && bytes + next > options.batchMaxBytes())
            {
                break;
            }
            taken.add(queue.pollFirst());
            bytes += next;
        }
        final int n = taken.size();
        final long[] sequences = new long[n];
        final byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            sequences[i] = taken.get(i).sequence;
            payloads[i] = taken.get(i).payload;
        }
        final byte[] request = ReplicatedBatch.encode(writerId, repliedThrough, sequences, payloads, n);
        final ByteString content = UnsafeByteOperations.unsafeWrap(request);
        return new Batch(taken.toArray(new Pending[0]), bytes, Message.valueOf(content));
    }

    private void sendPipelined(final Batch batch, final RaftClient c)
    {
        final long remaining = Math.max(1, batch.deadline - System.nanoTime());
        c.async().send(batch.message)
            .orTimeout(remaining, TimeUnit.NANOSECONDS)
            .whenCompleteAsync((reply, error) -> completed(batch, c, reply, error), io);
    }

    /** A blocking call on the probe thread: Ratis's blocking client follows redirects and waits for a leader without logging. */
    private void sendQuietly(final Batch batch, final RaftClient c)
    {
        final long remaining = Math.max(1, batch.deadline - System.nanoTime());
        CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return c.io().send(batch.message);
                }
                catch (final IOException ex)
                {
                    throw new CompletionException(ex);
                }
            }, probe)
            .orTimeout(remaining, TimeUnit.NANOSECONDS)
            .whenCompleteAsync((reply, error) -> completed(batch, c, reply, error), io);
    }

    private void completed(final Batch batch, final RaftClient c, final RaftClientReply reply, final Throwable error)
    {
        final Throwable failure = error != null ? unwrap(error) : reply.isSuccess() ? null : reply.getException();
        if (failure == null)
        {
            answer(batch, reply.getMessage().getContent());
        }
        else if (failure instanceof StateMachineException)
        {
            fail(batch, DurabilityException.invalidState("the group refused the request: " + failure.getMessage(), null), true);
        }
        else if (System.nanoTime() - batch.deadline >= 0)
        {
            fail(batch, DurabilityException.io("not acknowledged within " + options.appendTimeout().toMillis() +
                " ms (the entry may still be committed, once): " + failure, null, failure), false);
        }
        else
        {
            // A new call (Ratis gave up on the old one, or its client is closed): the state machine
            // recognizes each (writer, sequence) and answers a committed one with its first id. Newer
            // requests wait until the ones sent again are answered, so they cannot overtake them.
            renewClientIfClosed(c, failure);
            resent.incrementAndGet();
            synchronized (this)
            {
                if (!batch.resend)
                {
                    batch.resend = true;
                    resending++;
                }
                leaderKnown = false;
            }
            io.schedule(() -> resend(batch), RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        pump();
    }

    private void resend(final Batch batch)
    {
        final RaftClient c;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            c = client;
        }
        sendQuietly(batch, c);
    }

    private void answer(final Batch batch, final ByteString content)
    {
        final UnsafeBuffer reply = WalStateMachine.view(content);
        final int count = ReplicatedBatch.replyCount(reply, reply.capacity());
        if (count != batch.appends.length)
        {
            fail(batch, DurabilityException.invalidState("a reply of " + reply.capacity() + " bytes to a request of " +
                batch.appends.length + " appends: expected " + (4 + batch.appends.length * ReplicatedBatch.REPLY_RECORD_LENGTH) +
                " bytes (members of another version?)", null), true);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            final Pending p = batch.appends[i];
            final long id = ReplicatedBatch.replyId(reply, i);
            switch (ReplicatedBatch.replyOutcome(reply, i))
            {
                case WalStateMachine.Reply.WRITTEN, WalStateMachine.Reply.DUPLICATE -> p.future.complete(id);
                case WalStateMachine.Reply.OUT_OF_ORDER -> p.future.completeExceptionally(DurabilityException.invalidState(
                    "the group refused append " + p.sequence + " of writer " + writerId + ": a later append of this " +
                        "writer was committed before it (a retry around a leader change); it is not in the WAL", null));
                default -> p.future.completeExceptionally(DurabilityException.invalidState("the group refused append " +
                    p.sequence + " of writer " + writerId + ": it had already been answered", null));
            }
        }
        finish(batch, true);
    }

    private void fail(final Batch batch, final DurabilityException failure, final boolean answered)
    {
        for (final Pending p : batch.appends)
        {
            p.future.completeExceptionally(failure);
        }
        finish(batch, answered);
    }

    /**
     * The batch has its answers: release its room, move the replied-through mark, let the queue go on.
     * {@code answered}: a member answered it (the leader is known, pipelining may go on).
     */
    private synchronized void finish(final Batch batch, final boolean answered)
    {
        if (inFlight.remove(batch) == null)
        {
            return;
        }
        requestsInFlight--;
        if (batch.resend)
        {
            resending--;
        }
        if (answered && resending == 0)
        {
            leaderKnown = true;
        }
        pendingEntries -= batch.appends.length;
        pendingBytes -= batch.bytes;
        for (final Pending p : batch.appends)
        {
            repliedAbove.add(p.sequence);
        }
        while (repliedAbove.remove(repliedThrough + 1))
        {
            repliedThrough++;
        }
        notifyAll();
    }

    private static Throwable unwrap(final Throwable t)
    {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private synchronized void renewClientIfClosed(final RaftClient failed, final Throwable failure)
    {
        if (!closed && client == failed && failure instanceof AlreadyClosedException)
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

    // ------------------------------------------------------------------------------------------ observing

    /**
     * @return how many times this writer sent a request again as a new call (after Ratis gave up on a
     * call, typically around a leader change); each is answered once, as a duplicate when it had been
     * committed already.
     */
    public long resentRequests()
    {
        return resent.get();
    }

    /** @return requests sent (each one Raft entry), not counting those sent again. */
    public long requestsSent()
    {
        return requestsSent.get();
    }

    /** @return appends sent in requests: {@code appendsSent() / requestsSent()} is the mean batch. */
    public long appendsSent()
    {
        return appendsSent.get();
    }

    /** @return appends queued or in flight now (the back-pressure count). */
    public synchronized long pendingAppends()
    {
        return pendingEntries;
    }

    /** @return the leader the writer last heard of, or null. */
    public synchronized String leaderId()
    {
        final RaftPeerId id = client.getLeaderId();
        return id == null ? null : id.toString();
    }

    /**
     * Close the writer: appends not yet acknowledged fail with INVALID_STATE ("closed before its
     * acknowledgement": those already sent may still be committed, once); appends waiting for room
     * are refused. Wait for the futures first to close after the last acknowledgement.
     */
    @Override
    public void close()
    {
        final RaftClient c;
        final List<Pending> unanswered = new ArrayList<>();
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            c = client;
            unanswered.addAll(queue);
            queue.clear();
            for (final Batch b : inFlight.keySet())
            {
                unanswered.addAll(List.of(b.appends));
            }
            notifyAll();
        }
        final DurabilityException failure = DurabilityException.invalidState("the replicated WAL writer was closed before " +
            "the append's acknowledgement (if it was sent, it may still be committed, once)", null);
        for (final Pending p : unanswered)
        {
            p.future.completeExceptionally(failure);
        }
        io.shutdownNow();
        probe.shutdownNow();
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
