package io.durability.replication.ratis;

import io.durability.walog.WalOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one member of a replica group until the process is stopped:
 * {@code ReplicaServerMain ID PEERS DIR [--group NAME] [--snapshot-every N] [--segment-bytes N]
 * [--raft-segment-bytes N] [--election-ms MIN MAX] [--request-timeout-ms MS]}, where {@code PEERS} is {@code id=host:port,...} (the same on every member).
 * Prints {@code started ID} when it serves.
 */
public final class ReplicaServerMain
{
    private ReplicaServerMain()
    {
    }

    /** @param args see the class comment. @throws InterruptedException when interrupted while it serves. */
    public static void main(final String[] args) throws InterruptedException
    {
        if (args.length < 3)
        {
            System.err.println("usage: ReplicaServerMain ID id=host:port,... DIR [--group NAME] [--snapshot-every N]" +
                " [--segment-bytes N] [--raft-segment-bytes N] [--election-ms MIN MAX] [--request-timeout-ms MS]" +
                " [--page-warmer-bytes N]");
            System.exit(2);
        }
        final String id = args[0];
        final List<Peer> peers = Peer.parseList(args[1]);
        final Path dir = Path.of(args[2]);
        ReplicationOptions options = ReplicationOptions.defaults();
        for (int i = 3; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--group" -> options = options.withGroupName(args[++i]);
                case "--snapshot-every" -> options = options.withSnapshotEvery(Long.parseLong(args[++i]));
                case "--segment-bytes" -> options = options.withWalOptions(
                    WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[++i])));
                case "--raft-segment-bytes" -> options = options.withRaftSegmentBytes(Integer.parseInt(args[++i]));
                case "--request-timeout-ms" -> options = options.withRequestTimeout(Duration.ofMillis(Long.parseLong(args[++i])));
                case "--election-ms" -> options = options.withElectionTimeout(
                    Duration.ofMillis(Long.parseLong(args[++i])), Duration.ofMillis(Long.parseLong(args[++i])));
                case "--page-warmer-bytes" -> options = options.withMmapOptions(
                    options.mmapOptions().withPageWarmer(Integer.parseInt(args[++i])));
                default ->
                {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        final ReplicaServer server = ReplicaServer.start(id, peers, dir, options);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            server.close();
            stopped.countDown();
        }, "replica-shutdown"));
        System.out.println("started " + id);
        System.out.flush();
        stopped.await();
    }

    /**
     * For whoever runs a member as a child process: read its standard output on a daemon thread until
     * the process ends, and wait until it prints {@code started ID}.
     *
     * @return whether it started within the timeout.
     * @throws InterruptedException when interrupted while waiting.
     */
    public static boolean awaitStarted(final Process member, final String id, final long timeout, final TimeUnit unit)
        throws InterruptedException
    {
        final CountDownLatch started = new CountDownLatch(1);
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(member.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    if (line.startsWith("started "))
                    {
                        started.countDown();
                    }
                }
            }
            catch (final IOException ignored)
            {
                // the pipe closes when the member dies
            }
        }, "replica-" + id + "-stdout");
        reader.setDaemon(true);
        reader.start();
        return started.await(timeout, unit);
    }
}
