package io.durability.replication.ratis;

import io.durability.testing.ChildJvms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A writer that starts while its group elects its first leader logs no error: it finds the leader
 * with Ratis's blocking client (quiet) before it pipelines. The writer runs in a child JVM whose
 * Ratis client loggers are left at INFO, so an ERROR line from them would show.
 */
class QuietStartTest
{
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWriterStartedDuringTheFirstElectionLogsNoError(@TempDir final Path root) throws Exception
    {
        final ReplicationOptions options = Replicas.options();
        try (LocalGroup group = new LocalGroup(3, root.resolve("group"), options))
        {
            // No wait for a leader: the first election (2-4 s here) is under way while the writer starts.
            final String spec = group.peers.stream().map(Peer::toString).collect(Collectors.joining(","));
            final List<String> command = ChildJvms.command(QuietStartTest.class, "128m", spec);
            command.add(1, "-Dorg.slf4j.simpleLogger.log.org.apache.ratis.client=info");
            command.add(1, "-Dorg.slf4j.simpleLogger.log.org.apache.ratis.client.impl.OrderedAsync=info");
            final Path out = root.resolve("writer.log");
            final Process writer = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try
            {
                assertTrue(writer.waitFor(90, TimeUnit.SECONDS), "the writer finished");
            }
            finally
            {
                writer.destroyForcibly();
            }
            final List<String> lines = Files.readAllLines(out);
            assertEquals(0, writer.exitValue(), () -> "the writer failed:\n" + String.join("\n", lines));
            assertTrue(lines.contains("acknowledged 200"), () -> String.join("\n", lines));
            final List<String> errors = lines.stream().filter(l -> l.contains("ERROR")).collect(Collectors.toList());
            assertEquals(List.of(), errors, "no ERROR line while the first leader was elected");
            System.out.println("replication quiet start: a writer started during the first election, 200 appends " +
                "acknowledged, 0 ERROR lines from the Ratis client at INFO");
        }
    }

    /** The writer: {@code QuietStartTest PEERS}; prints {@code acknowledged N}. @param args the peer list. */
    public static void main(final String[] args) throws Exception
    {
        try (ReplicatedWal wal = ReplicatedWal.connect(Peer.parseList(args[0]), Replicas.options()))
        {
            final CompletableFuture<?>[] futures = new CompletableFuture<?>[200];
            for (int i = 0; i < futures.length; i++)
            {
                futures[i] = wal.append(("quiet " + i).getBytes());
            }
            CompletableFuture.allOf(futures).get(60, TimeUnit.SECONDS);
            System.out.println("acknowledged " + futures.length);
        }
    }
}
