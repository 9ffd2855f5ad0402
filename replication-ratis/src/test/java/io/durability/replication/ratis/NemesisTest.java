package io.durability.replication.ratis;

import io.durability.walog.WalRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A nemesis test in the Jepsen tradition: a group of 3 (or 5) members in child JVMs on 127.0.0.1, a
 * writer in this JVM with hundreds of appends in flight all the time, and a seeded nemesis that, at
 * random intervals, SIGKILLs a member (the leader about half the time) and restarts it, pauses one with
 * SIGSTOP past the election timeout and resumes it, or kills one while it catches up from a peer, never
 * more than a minority at once. At the end every member is back, and every member's WAL (read with the
 * core reader) must hold every acknowledged append exactly once, under its acknowledged id, in the
 * writer's sequence order, the same entries on every member, and no payload twice.
 *
 * <p>{@code -Dnemesis.seconds=N} (default {@value #DEFAULT_SECONDS}) is how long the nemesis runs,
 * {@code -Dnemesis.seed=S} picks its choices and the payloads, {@code -Dnemesis.purge-wait-seconds=N}
 * bounds how long a catch-up event waits for the running members to purge their Raft logs past the
 * stopped one. One line of figures per run: {@code nemesis: members=...}.
 */
class NemesisTest
{
    static final int DEFAULT_SECONDS = 30;
    private static final long SEED = seed();
    private static final int SECONDS = Integer.getInteger("nemesis.seconds", DEFAULT_SECONDS);
    private static final int PURGE_WAIT_SECONDS = Integer.getInteger("nemesis.purge-wait-seconds", 5);
    /** The members' and the writer's election timeout, in one place: the product's defaults. */
    static final int ELECTION_MIN_MS = (int)ReplicationOptions.defaults().electionTimeoutMin().toMillis();
    static final int ELECTION_MAX_MS = (int)ReplicationOptions.defaults().electionTimeoutMax().toMillis();
    /** Small Raft log segments: snapshots purge whole segments, so members purge (and catch-ups happen) in a short run. */
    private static final int RAFT_SEGMENT_BYTES = 256 * 1024;
    /** Raft entries between snapshots: small, so that members snapshot (and purge their logs) during a run. */
    private static final int SNAPSHOT_EVERY = 2000;
    private static final int IN_FLIGHT = 256;
    /** The writer's pace: thousands of appends a second, hundreds in flight, WALs of tens of MiB per run minute. */
    private static final int RATE = Integer.getInteger("nemesis.rate", 4000);
    private static final Duration APPEND_TIMEOUT = Duration.ofSeconds(60);
    private static final long START_SECONDS = 60;
    /**
     * Bound on the final catch-up of every member (and again on the completion of the appends in flight):
     * 120 s, or a fifth of the nemesis time for a long run, whose WALs (and catch-ups) are larger.
     */
    private static final Duration CONVERGE = Duration.ofSeconds(Math.max(120, SECONDS / 5));

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;
    private final List<NemesisMember> members = new ArrayList<>();
    private NemesisWriter writer;
    private Nemesis nemesis;
    private long ackedUnderNemesis;

    private static long seed()
    {
        final String s = System.getProperty("nemesis.seed", "");
        return s.isBlank() ? 0x4E3E_5155L : Long.decode(s.trim());
    }

    @AfterEach
    void cleanUp()
    {
        if (nemesis != null)
        {
            nemesis.stop();
        }
        if (writer != null)
        {
            writer.stop();
        }
        for (final NemesisMember m : members)
        {
            m.destroy();
        }
        if (nemesis != null)
        {
            nemesis.faults.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void threeMembersUnderTheNemesisLoseNothingAcknowledged() throws Throwable
    {
        run(3);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fiveMembersUnderTheNemesisLoseNothingAcknowledged() throws Throwable
    {
        run(5);
    }

    /** The whole run within a budget scaled to its length (the @Timeout is only the backstop), the seed in every failure. */
    private void run(final int count) throws Throwable
    {
        final Duration budget = Duration.ofSeconds(SECONDS + 2 * CONVERGE.toSeconds() + APPEND_TIMEOUT.toSeconds() + 120);
        try
        {
            assertTimeoutPreemptively(budget, () -> nemesisRun(count), () -> "the run exceeded its budget of " +
                budget.toSeconds() + " s; members=" + count + " seed=" + SEED + " folder=" + root);
        }
        catch (final Throwable t)
        {
            throw new AssertionError("nemesis members=" + count + " seed=" + SEED + " (-Dnemesis.seed=" + SEED +
                " -Dnemesis.seconds=" + SECONDS + ") folder=" + root + ": " + t.getMessage(), t);
        }
    }

    private void nemesisRun(final int count) throws Exception
    {
        final long startNanos = System.nanoTime();
        final List<Peer> peers = Replicas.loopbackPeers(count);
        final List<String> args = List.of("--segment-bytes", String.valueOf(Replicas.WAL.segmentCapacity()),
            "--snapshot-every", String.valueOf(SNAPSHOT_EVERY), "--raft-segment-bytes", String.valueOf(RAFT_SEGMENT_BYTES),
            "--election-ms", String.valueOf(ELECTION_MIN_MS), String.valueOf(ELECTION_MAX_MS));
        for (final Peer p : peers)
        {
            members.add(new NemesisMember(p, peers, root, args));
        }
        for (final NemesisMember m : members)
        {
            m.start(START_SECONDS);
        }
        final ReplicationOptions options = ReplicationOptions.defaults()
            .withElectionTimeout(Duration.ofMillis(ELECTION_MIN_MS), Duration.ofMillis(ELECTION_MAX_MS))
            .withRaftSegmentBytes(RAFT_SEGMENT_BYTES)
            .withAppendTimeout(APPEND_TIMEOUT)
            .withSnapshotEvery(SNAPSHOT_EVERY)
            .withWalOptions(Replicas.WAL);
        try (ReplicatedWal wal = ReplicatedWal.connect(peers, options))
        {
            writer = new NemesisWriter(wal, SEED, IN_FLIGHT, RATE);
            final Thread writerThread = new Thread(writer, "nemesis-writer");
            writerThread.start();
            Replicas.await("a first acknowledgement", Duration.ofSeconds(60), () -> !writer.acked.isEmpty());

            nemesis = new Nemesis(wal, count);
            final Thread nemesisThread = new Thread(nemesis, "nemesis");
            final long nemesisStart = System.nanoTime();
            nemesisThread.start();
            nemesisThread.join(TimeUnit.SECONDS.toMillis(SECONDS + 120));
            assertFalse(nemesisThread.isAlive(), "the nemesis stopped");
            nemesis.stop();
            nemesis.faults.shutdown();
            assertTrue(nemesis.faults.awaitTermination(START_SECONDS * 3, TimeUnit.SECONDS), "the last faults ended");
            final long nemesisMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nemesisStart);
            ackedUnderNemesis = writer.acked.size();
            if (nemesis.failure.get() != null)
            {
                throw new AssertionError("a fault failed: " + nemesis.failure.get(), nemesis.failure.get());
            }

            // Every member back: paused ones resumed, dead ones restarted.
            for (final NemesisMember m : members)
            {
                if (m.isPaused())
                {
                    m.resume();
                }
                if (!m.isAlive())
                {
                    m.start(START_SECONDS);
                }
            }
            final long[] sizes;
            try
            {
                // The writer stops first, so the members converge on a fixed target.
                writer.stop();
                writerThread.join(10_000);
                assertFalse(writerThread.isAlive(), "the writer stopped");
                assertNull(writer.crashed(), () -> "the writer crashed: " + writer.crashed());
                Replicas.await("every append sent completed (acknowledged or failed)", APPEND_TIMEOUT.plusSeconds(30),
                    writer::idle);
                awaitMembers("every member's WAL holding the " + writer.maxAckedId() + " entries acknowledged", CONVERGE,
                    writer.maxAckedId());
                sizes = awaitSameSize(writer.maxAckedId());
            }
            catch (final AssertionError ex)
            {
                // no progress is a result too: the figures, then the failure
                System.out.println(figures(count, -1, -1, -1, -1, -1, wal.resentRequests(), nemesisMillis, startNanos) +
                    " NOT CONVERGED: " + describeSizes());
                throw ex;
            }
            verify(count, wal.writerId(), sizes, wal.resentRequests(), nemesisMillis, startNanos);
        }
    }

    /** Wait until every member's WAL holds at least {@code entries} entries. */
    private void awaitMembers(final String what, final Duration timeout, final long entries) throws InterruptedException
    {
        try
        {
            Replicas.await(what, timeout, () -> members.stream().allMatch(m -> m.walEntries() >= entries));
        }
        catch (final AssertionError ex)
        {
            throw new AssertionError(ex.getMessage() + "; " + describeSizes() + "\n" + laggingTails(entries), ex);
        }
    }

    /** Wait until every member holds the same number of entries, at least {@code maxAcked}, twice in a row. @return the sizes. */
    private long[] awaitSameSize(final long maxAcked) throws InterruptedException
    {
        final long deadline = System.nanoTime() + CONVERGE.toNanos();
        long[] previous = null;
        while (true)
        {
            final long[] sizes = members.stream().mapToLong(NemesisMember::walEntries).toArray();
            final boolean same = Arrays.stream(sizes).allMatch(s -> s == sizes[0]) && sizes[0] >= maxAcked;
            if (same && Arrays.equals(sizes, previous))
            {
                return sizes;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("the members' WALs did not converge within " + CONVERGE.toSeconds() +
                    " s to one size >= the highest acknowledged id " + maxAcked + ": " + describeSizes() + "\n" +
                    laggingTails(maxAcked));
            }
            previous = same ? sizes : null;
            Thread.sleep(500);
        }
    }

    private String describeSizes()
    {
        final StringBuilder s = new StringBuilder("WAL entries:");
        for (final NemesisMember m : members)
        {
            s.append(' ').append(m.id()).append('=').append(m.walEntries()).append(m.isAlive() ? "" : " (not running)");
        }
        return s.toString();
    }

    private String laggingTails(final long entries)
    {
        final StringBuilder s = new StringBuilder(notableLines());
        for (final NemesisMember m : members)
        {
            if (m.walEntries() < entries)
            {
                s.append(m.stderrTail()).append('\n');
            }
        }
        return s.toString();
    }

    /**
     * The first distinct failures the members logged, from every stderr file of the run (a lagging member's
     * cause is often in the leader's log: e.g. its log appender to that member died).
     */
    private String notableLines()
    {
        final java.util.LinkedHashSet<String> found = new java.util.LinkedHashSet<>();
        try (java.util.stream.Stream<Path> files = Files.list(root))
        {
            for (final Path f : files.filter(f -> f.toString().endsWith(".stderr")).sorted().toList())
            {
                final List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size() && found.size() < 12; i++)
                {
                    final String l = lines.get(i);
                    if (l.contains("Daemon failed") || l.contains("skipping restart") || l.contains(" ERROR ") ||
                        l.startsWith("java.lang.") && !l.contains("Interrupted"))
                    {
                        found.add(f.getFileName() + ": " + l.replaceFirst("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ ", ""));
                    }
                }
            }
        }
        catch (final java.io.IOException ex)
        {
            return "(stderr files unreadable: " + ex + ")\n";
        }
        return found.isEmpty() ? "" : "failures the members logged:\n  " + String.join("\n  ", found) + "\n";
    }

    /** Read every member's WAL and check it against what the writer was told; print the figures; assert. */
    private void verify(final int count, final long writerId, final long[] sizes, final long resent, final long nemesisMillis,
        final long startNanos)
    {
        final Map<Long, Long> acked = writer.acked;
        final long sent = writer.sent();
        int lost = 0;
        int duplicated = 0;
        int misplaced = 0;
        int foreign = 0;
        int failedPresent = 0;
        final List<String> problems = new ArrayList<>();
        List<WalRecord<ReplicatedEntry>> first = null;
        for (final NemesisMember m : members)
        {
            final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(m.storeDir());
            final MemberCheck c = check(m, entries, writerId, acked, sent);
            lost += c.lost;
            duplicated += c.duplicated;
            misplaced += c.misplaced;
            foreign += c.foreign;
            failedPresent = Math.max(failedPresent, c.failedPresent);
            if (!c.problems.isEmpty())
            {
                problems.add(String.join("\n  ", c.problems) + "\n" + m.stderrTail());
            }
            if (first == null)
            {
                first = entries;
            }
            else
            {
                try
                {
                    Replicas.assertSameEntries(members.get(0).id(), first, m.id(), entries);
                }
                catch (final AssertionError ex)
                {
                    problems.add(ex.getMessage() + "\n" + members.get(0).stderrTail() + "\n" + m.stderrTail());
                }
            }
        }
        System.out.println(figures(count, failedPresent, lost, duplicated, misplaced, foreign, resent, nemesisMillis, startNanos) +
            " entries=" + sizes[0]);
        if (!writer.failed.isEmpty())
        {
            System.out.println("nemesis: a failed append: " + writer.failed.values().iterator().next());
        }
        final String summary = "lost=" + lost + " duplicated=" + duplicated + " misplaced=" + misplaced + " foreign=" + foreign;
        assertTrue(problems.isEmpty() && lost == 0 && duplicated == 0 && misplaced == 0 && foreign == 0,
            () -> summary + "; first problems per member:\n" + String.join("\n", problems) + "\n" + notableLines());
    }

    /** The one line of figures of a run (checks not made yet: -1). */
    private String figures(final int count, final int failedPresent, final int lost, final int duplicated, final int misplaced,
        final int foreign, final long resent, final long nemesisMillis, final long startNanos)
    {
        final long[] failovers = nemesis.failovers();
        final long[] resolved = Arrays.stream(failovers).filter(f -> f >= 0).sorted().toArray();
        final String failover = resolved.length == 0 ? "-/-" :
            resolved[(resolved.length - 1) / 2] + "/" + resolved[resolved.length - 1];
        final Nemesis n = nemesis;
        return String.format("nemesis: members=%d events=%d (kills=%d, pauses=%d, restarts=%d, catchup-kills=%d, " +
                "catchups-seen=%d, leader-events=%d) acknowledged=%d failed=%d (present=%d) lost=%d duplicated=%d misplaced=%d " +
                "foreign=%d failover p50/max=%s ms (%d of %d resolved) rate-under-nemesis=%d/s max-stall=%d ms resent=%d nemesis=%d s " +
                "run=%d s seed=%d",
            count, n.kills.get() + n.pauses.get() + n.installKills.get(), n.kills.get(), n.pauses.get(), n.restarts.get(),
            n.installKills.get(), n.installsSeen.get(), failovers.length, writer.acked.size(), writer.failed.size(),
            failedPresent, lost, duplicated, misplaced, foreign, failover, resolved.length, failovers.length,
            ackedUnderNemesis * 1000L / Math.max(1, nemesisMillis),
            writer.maxStallMillis(), resent, nemesisMillis / 1000,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos), SEED);
    }

    /** What one member's WAL shows. */
    private static final class MemberCheck
    {
        int lost;
        int duplicated;
        int misplaced;
        int foreign;
        int failedPresent;
        final List<String> problems = new ArrayList<>();

        void problem(final String what)
        {
            if (problems.size() < 10)
            {
                problems.add(what);
            }
        }
    }

    /**
     * Every entry an append that was sent (this writer, byte-exact), ids contiguous from 1, Raft indexes
     * never decreasing; every acknowledged append present exactly once, under its acknowledged id; the
     * acknowledged appends in sequence order; no append twice (a failed one at most once).
     */
    private MemberCheck check(final NemesisMember m, final List<WalRecord<ReplicatedEntry>> entries, final long writerId,
        final Map<Long, Long> acked, final long sent)
    {
        final MemberCheck c = new MemberCheck();
        final String id = m.id();
        final long[] idOf = new long[(int)sent + 1];
        long lastIndex = 0;
        long lastAckedSequence = 0;
        long lastAckedId = 0;
        for (int i = 0; i < entries.size(); i++)
        {
            final WalRecord<ReplicatedEntry> r = entries.get(i);
            final ReplicatedEntry e = r.payload();
            if (r.entryId() != i + 1)
            {
                c.misplaced++;
                c.problem(id + ": entry #" + (i + 1) + " has id " + r.entryId() + " (expected " + (i + 1) + ": ids contiguous from 1)");
            }
            if (e.index() < lastIndex)
            {
                c.misplaced++;
                c.problem(id + ": entry " + r.entryId() + " at Raft index " + e.index() + " after index " + lastIndex);
            }
            lastIndex = e.index();
            final long n = e.payload().length >= 8 ? Replicas.appendNumber(e.payload()) : -1;
            if (e.clientId() != writerId || n < 1 || n > sent || !Arrays.equals(Replicas.payload(SEED, n), e.payload()))
            {
                c.foreign++;
                c.problem(id + ": entry " + r.entryId() + " is no append of writer " + writerId + " (found writer " +
                    e.clientId() + " sequence " + e.sequence() + ", payload of " + e.payload().length + " bytes naming append " +
                    n + " of " + sent + " sent)");
                continue;
            }
            if (idOf[(int)n] != 0)
            {
                c.duplicated++;
                c.problem(id + ": append " + n + " (sequence " + e.sequence() + ") twice: entries " + idOf[(int)n] + " and " +
                    r.entryId() + (acked.containsKey(n) ? " (acknowledged as " + acked.get(n) + ")" : " (not acknowledged)"));
                continue;
            }
            idOf[(int)n] = r.entryId();
            final Long ackedId = acked.get(n);
            if (ackedId == null)
            {
                if (writer.failed.containsKey(n))
                {
                    c.failedPresent++;
                }
                continue;
            }
            if (ackedId != r.entryId())
            {
                c.misplaced++;
                c.problem(id + ": append " + n + " acknowledged with id " + ackedId + " is at entry " + r.entryId());
            }
            if (e.sequence() <= lastAckedSequence)
            {
                c.misplaced++;
                c.problem(id + ": acknowledged entry " + r.entryId() + " has sequence " + e.sequence() +
                    ", after acknowledged entry " + lastAckedId + " with sequence " + lastAckedSequence +
                    " (acknowledged entries out of sequence order)");
            }
            lastAckedSequence = Math.max(lastAckedSequence, e.sequence());
            lastAckedId = r.entryId();
        }
        for (final Map.Entry<Long, Long> a : acked.entrySet())
        {
            if (idOf[(int)(long)a.getKey()] == 0)
            {
                c.lost++;
                c.problem(id + ": append " + a.getKey() + " acknowledged with id " + a.getValue() + " is missing (the WAL holds " +
                    entries.size() + " entries" + (a.getValue() <= entries.size() ? "; entry " + a.getValue() + " is " +
                    describe(entries.get((int)(long)a.getValue() - 1)) : "") + ")");
            }
        }
        return c;
    }

    private static String describe(final WalRecord<ReplicatedEntry> r)
    {
        final ReplicatedEntry e = r.payload();
        return "term " + e.term() + " index " + e.index() + " writer " + e.clientId() + " sequence " + e.sequence() +
            " append " + (e.payload().length >= 8 ? Replicas.appendNumber(e.payload()) : -1);
    }

    /**
     * The nemesis: one thread makes every choice from one seeded random stream (the same draws per round
     * whatever happens, so a seed replays the same choices); each fault runs on a worker of its own,
     * never more than a minority of the members faulted at once.
     */
    private final class Nemesis implements Runnable
    {
        final ReplicatedWal wal;
        final int maxFaulted;
        final SplittableRandom random;
        final ExecutorService faults;
        final Set<Integer> faulted = new HashSet<>();
        final AtomicInteger kills = new AtomicInteger();
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger restarts = new AtomicInteger();
        final AtomicInteger installKills = new AtomicInteger();
        final AtomicInteger installsSeen = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stopped;
        final long endNanos;

        Nemesis(final ReplicatedWal wal, final int count)
        {
            this.wal = wal;
            this.maxFaulted = (count - 1) / 2;
            this.random = new SplittableRandom(SEED * 31 + count);
            this.faults = Executors.newFixedThreadPool(maxFaulted, r ->
            {
                final Thread t = new Thread(r, "nemesis-fault");
                t.setDaemon(true);
                return t;
            });
            this.endNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        }

        void stop()
        {
            stopped = true;
        }

        long[] failovers()
        {
            return writer.failoverMillis();
        }

        @Override
        public void run()
        {
            try
            {
                while (!stopped && failure.get() == null && System.nanoTime() - endNanos < 0)
                {
                    // every round draws the same values, used or not
                    final long interval = random.nextLong(100, 1_000);
                    final int kind = random.nextInt(100);
                    final boolean leader = random.nextBoolean();
                    final int pick = random.nextInt(1 << 20);
                    final long d1 = random.nextLong(100, 2_000);
                    final long d2 = random.nextLong(200, 2_500);
                    final long d3 = random.nextLong(1_000, Math.max(1_001, PURGE_WAIT_SECONDS * 1000L));
                    Thread.sleep(interval);
                    final int target;
                    synchronized (faulted)
                    {
                        while (faulted.size() >= maxFaulted && !stopped && System.nanoTime() - endNanos < 0)
                        {
                            faulted.wait(100);
                        }
                        if (stopped || System.nanoTime() - endNanos >= 0)
                        {
                            break;
                        }
                        target = target(leader, pick);
                        faulted.add(target);
                    }
                    final boolean isLeader = members.get(target).id().equals(wal.leaderId());
                    faults.execute(() ->
                    {
                        try
                        {
                            if (kind < 40)
                            {
                                kill(target, isLeader, d1);
                            }
                            else if (kind < 80)
                            {
                                pause(target, isLeader, d2);
                            }
                            else
                            {
                                installKill(target, isLeader, d3, d2, d1);
                            }
                        }
                        catch (final Throwable t)
                        {
                            failure.compareAndSet(null, t);
                        }
                        finally
                        {
                            synchronized (faulted)
                            {
                                faulted.remove(target);
                                faulted.notifyAll();
                            }
                        }
                    });
                }
            }
            catch (final Throwable t)
            {
                failure.compareAndSet(null, t);
            }
        }

        /** The leader (when {@code leader} and it is not faulted), else one of the other members not faulted. */
        private int target(final boolean leader, final int pick)
        {
            final String leaderId = wal.leaderId();
            final List<Integer> others = new ArrayList<>();
            int leaderIndex = -1;
            for (int i = 0; i < members.size(); i++)
            {
                if (faulted.contains(i))
                {
                    continue;
                }
                if (members.get(i).id().equals(leaderId))
                {
                    leaderIndex = i;
                }
                else
                {
                    others.add(i);
                }
            }
            if (leaderIndex >= 0 && (leader || others.isEmpty()))
            {
                return leaderIndex;
            }
            return others.get(pick % others.size());
        }

        /** SIGKILL, and a restart after {@code delayMillis}. */
        private void kill(final int target, final boolean isLeader, final long delayMillis) throws Exception
        {
            final NemesisMember m = members.get(target);
            if (isLeader)
            {
                writer.leaderEvent();
            }
            m.kill();
            kills.incrementAndGet();
            Thread.sleep(delayMillis);
            m.start(START_SECONDS);
            restarts.incrementAndGet();
        }

        /** SIGSTOP for longer than the election timeout, then SIGCONT. */
        private void pause(final int target, final boolean isLeader, final long beyondElectionMillis) throws Exception
        {
            final NemesisMember m = members.get(target);
            if (isLeader)
            {
                writer.leaderEvent();
            }
            m.pause();
            pauses.incrementAndGet();
            Thread.sleep(ELECTION_MAX_MS + beyondElectionMillis);
            m.resume();
        }

        /**
         * SIGKILL; wait (at most {@code purgeWaitMillis}) until the running members purged their Raft
         * logs past what they had when it died, so that it must catch up from a peer; restart it and SIGKILL
         * it as soon as its catch-up marker appears (or after {@code windowMillis}); restart it for good.
         */
        private void installKill(final int target, final boolean isLeader, final long purgeWaitMillis, final long windowMillis,
            final long restartDelayMillis) throws Exception
        {
            final NemesisMember m = members.get(target);
            if (isLeader)
            {
                writer.leaderEvent();
            }
            m.kill();
            final long[] inProgressAtStop = new long[members.size()];
            for (int i = 0; i < members.size(); i++)
            {
                inProgressAtStop[i] = i == target ? -1 : members.get(i).raftInProgressStart().orElse(-1);
            }
            final long purgeDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(purgeWaitMillis);
            while (System.nanoTime() - purgeDeadline < 0 && !purgedPast(inProgressAtStop))
            {
                Thread.sleep(100);
            }
            m.start(START_SECONDS);
            restarts.incrementAndGet();
            final long windowEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMillis);
            boolean installing = false;
            while (System.nanoTime() - windowEnd < 0 && !(installing = Files.exists(m.catchingUpMarker())))
            {
                Thread.sleep(10);
            }
            m.kill();
            installKills.incrementAndGet();
            if (installing)
            {
                installsSeen.incrementAndGet();
            }
            Thread.sleep(restartDelayMillis);
            m.start(START_SECONDS);
            restarts.incrementAndGet();
        }

        /** @return whether every running member's Raft log now starts after the segment it was writing when the target died. */
        private boolean purgedPast(final long[] inProgressAtStop)
        {
            for (int i = 0; i < members.size(); i++)
            {
                if (inProgressAtStop[i] >= 0)
                {
                    final OptionalLong start = members.get(i).raftLogStart();
                    if (start.isEmpty() || start.getAsLong() <= inProgressAtStop[i])
                    {
                        return false;
                    }
                }
            }
            return true;
        }
    }
}
