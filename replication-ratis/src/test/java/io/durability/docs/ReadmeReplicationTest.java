package io.durability.docs;

import io.durability.replication.ratis.Peer;
import io.durability.replication.ratis.ReplicaServer;
import io.durability.replication.ratis.ReplicatedEntry;
import io.durability.replication.ratis.ReplicatedWal;
import io.durability.replication.ratis.ReplicationOptions;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

/** The README's "Running on several machines" quick start, compiled, run (three members on loopback), and checked against the README. */
class ReadmeReplicationTest
{
    private static final String MEMBER_BEGIN = "// README:replication-member:begin";
    private static final String MEMBER_END = "// README:replication-member:end";
    private static final String WRITER_BEGIN = "// README:replication-writer:begin";
    private static final String WRITER_END = "// README:replication-writer:end";
    private static final String READER_BEGIN = "// README:replication-reader:begin";
    private static final String READER_END = "// README:replication-reader:end";

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void quickStartRunsAsDocumented(@TempDir final Path root) throws Exception
    {
        final List<String> parts = new ArrayList<>();
        for (int i = 1; i <= 3; i++)
        {
            parts.add("n" + i + "=127.0.0.1:" + freePort());
        }
        final String peerList = String.join(",", parts);
        final List<ReplicaServer> members = new ArrayList<>();
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try
        {
            for (int i = 1; i <= 3; i++)
            {
                members.add(startMember(peerList, "n" + i, root.resolve("n" + i)));
            }
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            // README:replication-writer:begin
            // Anywhere (a member's machine or not): a writer for the group, told every member.
            try (ReplicatedWal wal = ReplicatedWal.connect(Peer.parseList(peerList),
                ReplicationOptions.defaults().withGroupName("orders")))
            {
                long id = wal.appendAndWait("order 1".getBytes(UTF_8));   // committed by a majority
                CompletableFuture<Long> next = wal.append("order 2".getBytes(UTF_8));
                System.out.println("acknowledged " + id + " and " + next.join());
            }
            // README:replication-writer:end
            final ReplicaServer member = members.get(0);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (member.stateMachine().lastEntryId() < 2 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            // README:replication-reader:begin
            // On any member: its own WAL, read with the ordinary readers (committed entries only).
            try (MmapDirectory dir = MmapDirectory.open(member.storeDir()))
            {
                new WalReader<>(dir, ReplicatedEntry.PAYLOADS).replayEach((entryId, payload) ->
                    System.out.println(entryId + ": " + new String(payload, UTF_8)));
            }
            // README:replication-reader:end
        }
        finally
        {
            System.setOut(original);
            for (final ReplicaServer m : members)
            {
                m.close();
            }
        }
        final List<String> out = captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        assertEquals(List.of("acknowledged 1 and 2", "1: order 1", "2: order 2"), out);
    }

    private static ReplicaServer startMember(final String peerList, final String selfId, final Path folder)
    {
        // README:replication-member:begin
        // On each machine: the same peer list and group, its own id and folder
        // (its WAL and checkpoints go to <folder>/store, Ratis's log to <folder>/raft).
        List<Peer> peers = Peer.parseList(peerList);   // e.g. "n1=10.0.0.1:9871,n2=10.0.0.2:9871,n3=10.0.0.3:9871"
        ReplicationOptions options = ReplicationOptions.defaults().withGroupName("orders");
        ReplicaServer member = ReplicaServer.start(selfId, peers, folder, options);   // close() stops it
        // README:replication-member:end
        return member;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    @Test
    void readmeShowsExactlyTheTestedCode() throws IOException
    {
        final Path source = Path.of("src/test/java/io/durability/docs/ReadmeReplicationTest.java");
        ReadmeSnippets.assertReadmeShows(source, MEMBER_BEGIN, MEMBER_END);
        ReadmeSnippets.assertReadmeShows(source, WRITER_BEGIN, WRITER_END);
        ReadmeSnippets.assertReadmeShows(source, READER_BEGIN, READER_END);
    }
}
