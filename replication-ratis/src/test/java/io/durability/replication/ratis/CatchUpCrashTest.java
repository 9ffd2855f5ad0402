package io.durability.replication.ratis;

import io.durability.testhook.CrashPoints;
import io.durability.walog.WalRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A member halted (as by SIGKILL) in the middle of a catch-up: it had appended one entry of the first
 * chunk it fetched from a peer, not the rest. It keeps that entry (its WAL is recovered as after any
 * crash), and on its next start fetches only what it still lacks, to the same entries as the others:
 * the failure the snapshot-copy install of earlier builds could not survive (a copy with holes that
 * Ratis had accepted, refused at every start after).
 */
class CatchUpCrashTest
{
    private static final long SEED = Long.getLong("replication.seed", 0xCA7C4L);
    private final List<NemesisMember> members = new ArrayList<>();

    @TempDir
    Path root;

    @AfterEach
    void stop()
    {
        members.forEach(NemesisMember::destroy);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMemberHaltedInsideACatchUpKeepsWhatItFetchedAndFetchesTheRest() throws Exception
    {
        haltInsideACatchUpThenRestart(WalStateMachine.CRASH_CATCH_UP_MID_CHUNK);
    }

    /**
     * Halted once the catch-up reached its target, before Ratis recorded it: a checkpoint written then
     * (ahead of the member's Raft log) made Ratis 3.2.2 append the next entries after the old last one
     * and fail the member at every start after ("gap between entries"; the 30-minute nemesis found it).
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMemberHaltedAfterItsCatchUpReachedItsTargetStartsAndCatchesUp() throws Exception
    {
        haltInsideACatchUpThenRestart(WalStateMachine.CRASH_CATCH_UP_REACHED);
    }

    /**
     * Halted once Ratis installed the catch-up's position and the checkpoint of it was written, before
     * Ratis's log closed the segment the install left behind: at the next start the checkpoint lies past
     * that segment's last entry (Ratis 3.2.2 would append after it, with a gap, at every start after).
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMemberHaltedRightAfterItsCatchUpWasCheckpointedStartsAndCatchesUp() throws Exception
    {
        haltInsideACatchUpThenRestart(WalStateMachine.CRASH_CATCH_UP_CHECKPOINTED);
    }

    private void haltInsideACatchUpThenRestart(final String crashPoint) throws Exception
    {
        final int before = 200;
        final int whileAway = Replicas.appends(3_000);
        final List<Peer> peers = Replicas.loopbackPeers(3);
        // Small Raft segments and frequent snapshots: the running members purge past the stopped one quickly.
        final List<String> args = List.of("--segment-bytes", String.valueOf(Replicas.WAL.segmentCapacity()),
            "--snapshot-every", "100", "--raft-segment-bytes", String.valueOf(64 * 1024), "--election-ms", "2000", "4000");
        for (final Peer p : peers)
        {
            members.add(new NemesisMember(p, peers, root, args));
        }
        for (final NemesisMember m : members)
        {
            m.start(60);
        }
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        // One append per Raft entry: snapshots (every 100 Raft entries) come every 100 appends.
        try (ReplicatedWal wal = ReplicatedWal.connect(peers, Replicas.options().withBatching(1, 32 * 1024)))
        {
            long n = Replicas.appendInWindows(wal, SEED, 64, sent, acked, 0, before);
            final NemesisMember away = members.get(leaderIndex(wal, peers) == 0 ? 1 : 0);
            Replicas.await(away.id() + " holding the first " + before + " entries", Duration.ofSeconds(60),
                () -> away.walEntries() >= before);
            away.kill();
            final long awayEntries = away.walEntries();
            final long[] writingAtStop = new long[members.size()];
            for (int i = 0; i < members.size(); i++)
            {
                writingAtStop[i] = members.get(i) == away ? -1 : members.get(i).raftInProgressStart().orElse(-1);
            }
            n = Replicas.appendInWindows(wal, SEED, 64, sent, acked, n, whileAway);
            final long total = n;
            Replicas.await("the running members' Raft logs purged past what they wrote when " + away.id() + " died",
                Duration.ofSeconds(60), () -> purgedPast(writingAtStop));

            away.start(60, "-Ddurability.crashpoint=" + crashPoint);
            assertEquals(CrashPoints.HALT_STATUS, away.awaitExit(120),
                away.id() + " halted at " + crashPoint + " within 120 s (-1: still running)");
            final long afterHalt = away.walEntries();
            // Its own Raft log may have applied a few more entries first; the catch-up halted after one of its chunk.
            assertTrue(afterHalt > awayEntries && (afterHalt < total || !crashPoint.equals(WalStateMachine.CRASH_CATCH_UP_MID_CHUNK)),
                "the halted member kept what it fetched: " + awayEntries + " < " + afterHalt + " (of " + total + ")");
            if (!crashPoint.equals(WalStateMachine.CRASH_CATCH_UP_CHECKPOINTED))
            {
                assertTrue(Files.exists(away.catchingUpMarker()), "the catch-up marker stays after a crash inside it");
            }

            away.start(60);
            Replicas.await("every member with " + total + " entries", Duration.ofSeconds(120), () ->
            {
                for (final NemesisMember m : members)
                {
                    if (m.walEntries() < total)
                    {
                        return false;
                    }
                }
                return true;
            });
            Replicas.await("the catch-up marker removed", Duration.ofSeconds(30), () -> !Files.exists(away.catchingUpMarker()));
            final List<List<WalRecord<ReplicatedEntry>>> wals = new ArrayList<>();
            for (final NemesisMember m : members)
            {
                final List<WalRecord<ReplicatedEntry>> entries = Replicas.read(m.storeDir());
                final Replicas.Check check = Replicas.check(m.id(), entries, acked, sent);
                assertEquals(0, check.lost(), "lost on " + m.id());
                assertEquals(0, check.duplicated(), "duplicated on " + m.id());
                assertEquals(total, check.entries(), "every append exactly once on " + m.id());
                wals.add(entries);
            }
            Replicas.assertSameEntries(members.get(0).id(), wals.get(0), members.get(1).id(), wals.get(1));
            Replicas.assertSameEntries(members.get(0).id(), wals.get(0), members.get(2).id(), wals.get(2));
            assertEquals(total + 1, wal.appendAndWait(Replicas.payload(SEED, total + 1)), "the group goes on after the catch-up");
            System.out.printf("replication catch-up halt: seed=%d %s stopped with %d entries, %d appended while it was away; " +
                    "halted at %s with %d; restarted: acknowledged=%d lost=0 duplicated=0 members identical%n",
                SEED, away.id(), awayEntries, whileAway, crashPoint, afterHalt, acked.size());
        }
    }

    private int leaderIndex(final ReplicatedWal wal, final List<Peer> peers)
    {
        final String leader = wal.leaderId();
        for (int i = 0; i < peers.size(); i++)
        {
            if (peers.get(i).id().equals(leader))
            {
                return i;
            }
        }
        return -1;
    }

    private boolean purgedPast(final long[] writingAtStop)
    {
        for (int i = 0; i < members.size(); i++)
        {
            if (writingAtStop[i] >= 0)
            {
                final OptionalLong start = members.get(i).raftLogStart();
                if (start.isEmpty() || start.getAsLong() <= writingAtStop[i])
                {
                    return false;
                }
            }
        }
        return true;
    }
}
