package io.durability.replication.ratis;

import io.durability.walog.NextSegment;

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
 * [--raft-segment-bytes N] [--election-ms MIN MAX] [--request-timeout-ms MS] [--page-warmer-bytes N] [--next-segment AUTO|BACKGROUND|INLINE|AT_ROLL]}, where {@code PEERS} is {@code id=host:port,...} (the same on every member).
 * Prints {@code started ID} when it serves.
 */
public final class ReplicaServerMain
{
    private ReplicaServerMain()
    {
    }

    private static final String USAGE = "usage: ReplicaServerMain ID id=host:port,... DIR [--group NAME] " +
        "[--snapshot-every N] [--segment-bytes N] [--raft-segment-bytes N] [--election-ms MIN MAX] " +
        "[--request-timeout-ms MS] [--page-warmer-bytes N] [--next-segment AUTO|BACKGROUND|INLINE|AT_ROLL]";

    /**
     * @param args see the class comment. Bad arguments print one line saying which and the usage, and
     *             exit with status 2 (no stack trace).
     * @throws InterruptedException when interrupted while it serves.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final String id;
        final List<Peer> peers;
        final Path dir;
        final ReplicationOptions options;
        try
        {
            if (args.length < 3)
            {
                throw new IllegalArgumentException("ID, PEERS and DIR are required");
            }
            id = args[0];
            peers = Peer.parseList(args[1]);
            dir = Path.of(args[2]);
            options = parseOptions(args, 3);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("ReplicaServerMain: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
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
     * The options after the three positional arguments, from {@code args[from]} on.
     *
     * @throws IllegalArgumentException naming the option and what was wrong with it (unknown, no value,
     *                                  not a number, or refused by {@link ReplicationOptions}).
     */
    static ReplicationOptions parseOptions(final String[] args, final int from)
    {
        ReplicationOptions options = ReplicationOptions.defaults();
        for (int i = from; i < args.length; i++)
        {
            final String option = args[i];
            try
            {
                switch (option)
                {
                    case "--group" -> options = options.withGroupName(value(args, ++i, option));
                    case "--snapshot-every" -> options = options.withSnapshotEvery(number(args, ++i, option));
                    case "--segment-bytes" -> options = options.withWalOptions(
                        options.walOptions().withSegmentCapacity(intNumber(args, ++i, option)));
                    case "--next-segment" -> options = options.withWalOptions(
                        options.walOptions().withNextSegment(nextSegment(args, ++i, option)));
                    case "--raft-segment-bytes" -> options = options.withRaftSegmentBytes(intNumber(args, ++i, option));
                    case "--request-timeout-ms" -> options = options.withRequestTimeout(Duration.ofMillis(number(args, ++i, option)));
                    case "--election-ms" -> options = options.withElectionTimeout(
                        Duration.ofMillis(number(args, ++i, option)), Duration.ofMillis(number(args, ++i, option)));
                    case "--page-warmer-bytes" -> options = options.withMmapOptions(
                        options.mmapOptions().withPageWarmer(intNumber(args, ++i, option)));
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw ex;
            }
            catch (final RuntimeException ex)
            {
                // The options' own checks (DurabilityException and the like): said as they say it.
                throw new IllegalArgumentException(option + ": " + ex.getMessage(), ex);
            }
        }
        return options;
    }

    private static NextSegment nextSegment(final String[] args, final int at, final String option)
    {
        final String name = value(args, at, option);
        try
        {
            return NextSegment.valueOf(name);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(option + " takes one of " + java.util.Arrays.toString(NextSegment.values())
                + ", not " + name, ex);
        }
    }

    private static String value(final String[] args, final int at, final String option)
    {
        if (at >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[at];
    }

    private static int intNumber(final String[] args, final int at, final String option)
    {
        final long n = number(args, at, option);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(option + " takes a number up to " + Integer.MAX_VALUE + ", not " + n);
        }
        return (int)n;
    }

    private static long number(final String[] args, final int at, final String option)
    {
        final String v = value(args, at, option);
        try
        {
            return Long.parseLong(v);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + " takes a whole number, not '" + v + "'");
        }
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
