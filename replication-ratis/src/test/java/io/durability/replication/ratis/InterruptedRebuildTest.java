package io.durability.replication.ratis;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalClaim;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A member killed while it rebuilt its WAL from an installed snapshot (the nemesis found it: the
 * member then never started again, "the replica's WAL ends at entry 33456 but its checkpoint covers
 * entries up to 158185"). The folder such a death leaves: the installed checkpoint, the snapshot's WAL
 * copy under {@code received-wal}, and a half-built WAL. On its next start the member rebuilds from
 * the copy again and serves.
 */
class InterruptedRebuildTest
{
    private static final long SEED = Long.getLong("replication.seed", 0x4EB1DL);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMemberKilledWhileItRebuiltItsWalFromASnapshotRebuildsItAgainOnStart(@TempDir final Path root) throws Exception
    {
        final ReplicationOptions options = Replicas.options().withSnapshotEvery(50).withBatching(1, 16 * 1024)
            .withRequestsInFlight(1);
        final Map<Long, byte[]> sent = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        try (LocalGroup group = new LocalGroup(1, root, options))
        {
            group.awaitLeader(Duration.ofSeconds(30));
            try (ReplicatedWal wal = ReplicatedWal.connect(group.peers, options))
            {
                for (long n = 1; n <= 300; n++)
                {
                    sent.put(n, Replicas.payload(SEED, n));
                    acked.put(n, wal.appendAndWait(sent.get(n)));
                }
            }
            final Path store = group.storeDir(0);
            Replicas.await("a checkpoint covering 200 entries", Duration.ofSeconds(30), () -> newestCheckpointIndex(store) >= 200);
            group.stop(0);
            restartAfterAnInterruptedRebuild(group, store, options, sent, acked);
        }
    }

    private static void restartAfterAnInterruptedRebuild(
        final LocalGroup group, final Path store, final ReplicationOptions options, final Map<Long, byte[]> sent,
        final Map<Long, Long> acked) throws Exception
    {
        // What a death in the middle of the rebuild leaves: the copy set aside, a WAL of its first 10 entries.
        final List<WalRecord<ReplicatedEntry>> whole = Replicas.read(store);
        Files.move(store.resolve(Replicas.WAL.walDir()), store.resolve(WalStateMachine.RECEIVED_WAL_DIR));
        try (MmapDirectory dir = MmapDirectory.open(store);
            WalWriter<ReplicatedEntry> partial = WalWriter.create(dir, ReplicatedEntry.CODEC, Replicas.WAL))
        {
            new WalReader<>(dir, ReplicatedEntry.CODEC, Replicas.WAL.withWalDir(WalStateMachine.RECEIVED_WAL_DIR))
                .replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
                {
                    if (id <= 10)
                    {
                        try (WalClaim claim = partial.claim(length))
                        {
                            claim.buffer().putBytes(0, buffer, offset, length);
                            claim.commit(length);
                        }
                    }
                });
        }
        assertEquals(10, Replicas.read(store).size());

        group.start(0);
        group.awaitLeader(Duration.ofSeconds(60));
        final List<WalRecord<ReplicatedEntry>> rebuilt = Replicas.read(store);
        assertFalse(Files.exists(store.resolve(WalStateMachine.RECEIVED_WAL_DIR)), "the copy is deleted once rebuilt");
        final Replicas.Check check = Replicas.check("restarted member", rebuilt, acked, sent);
        assertEquals(0, check.lost());
        assertEquals(0, check.duplicated());
        Replicas.assertSameEntries("before", whole, "rebuilt", rebuilt);
        try (ReplicatedWal wal = ReplicatedWal.connect(group.peers, options))
        {
            assertEquals(301, wal.appendAndWait(Replicas.payload(SEED, 301)), "the member goes on after its last entry");
        }
        System.out.printf("replication interrupted rebuild: seed=%d a member found a half-built WAL (10 of %d entries) " +
            "beside the snapshot's copy, rebuilt it on start: lost=0 duplicated=0, then appended entry 301%n", SEED,
            whole.size());
    }

    private static long newestCheckpointIndex(final Path store)
    {
        final Path dir = store.resolve(WalStateMachine.CHECKPOINT_DIR);
        try (var names = Files.list(dir))
        {
            return names.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint-") && n.endsWith(".chk"))
                .mapToLong(n -> Long.parseLong(n.substring("checkpoint-".length(), n.length() - 4))).max().orElse(0);
        }
        catch (final java.io.IOException ex)
        {
            return 0;
        }
    }
}
