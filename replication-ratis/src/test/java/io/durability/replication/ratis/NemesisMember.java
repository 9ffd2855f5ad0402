package io.durability.replication.ratis;

import io.durability.storage.mmap.MmapDirectory;
import io.durability.testing.ChildJvms;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One member of a {@link NemesisTest} group: a {@link ReplicaServerMain} child JVM that the nemesis
 * kills (SIGKILL), pauses (SIGSTOP) and resumes (SIGCONT), restarted on the same folder and port.
 * Each start writes its stderr to {@code <root>/<id>-<start>.stderr}.
 */
final class NemesisMember
{
    final Peer peer;
    final Path root;
    final Path dir;
    private final List<String> args;
    private volatile Process process;
    private volatile boolean paused;
    private int starts;

    /**
     * @param args the member's options after {@code ID PEERS DIR} (same on every start).
     */
    NemesisMember(final Peer peer, final List<Peer> peers, final Path root, final List<String> args)
    {
        this.peer = peer;
        this.root = root;
        this.dir = root.resolve(peer.id());
        final List<String> all = new ArrayList<>();
        all.add(peer.id());
        all.add(peers.stream().map(Peer::toString).collect(Collectors.joining(",")));
        all.add(dir.toString());
        all.addAll(args);
        this.args = List.copyOf(all);
    }

    String id()
    {
        return peer.id();
    }

    Path storeDir()
    {
        return dir.resolve("store");
    }

    /** Present while the member catches up from a peer (WalStateMachine's marker). */
    Path catchingUpMarker()
    {
        return storeDir().resolve(WalStateMachine.CATCHING_UP_MARKER);
    }

    synchronized int starts()
    {
        return starts;
    }

    boolean isPaused()
    {
        return paused;
    }

    boolean isAlive()
    {
        final Process p = process;
        return p != null && p.isAlive();
    }

    /** Start the member and wait until it serves. @throws AssertionError with its stderr when it does not start in time. */
    void start(final long timeoutSeconds) throws IOException, InterruptedException
    {
        start(timeoutSeconds, new String[0]);
    }

    /**
     * Start the member with extra JVM flags (a crash point, say) and wait until it serves.
     *
     * @throws AssertionError with its stderr when it does not start in time.
     */
    void start(final long timeoutSeconds, final String... jvmFlags) throws IOException, InterruptedException
    {
        final Process p;
        final String stderr;
        synchronized (this)
        {
            Files.createDirectories(dir);
            final List<String> command = ChildJvms.command(ReplicaServerMain.class, "192m", args.toArray(String[]::new));
            command.add(1, "-XX:+UseSerialGC");
            for (final String flag : jvmFlags)
            {
                command.add(1, flag);
            }
            // Ratis at WARN (the test resources say ERROR): a member's failover and install troubles in its stderr file.
            command.add(1, "-Dorg.slf4j.simpleLogger.log.org.apache.ratis=" + System.getProperty("nemesis.member-log", "warn"));
            stderr = peer.id() + "-" + (++starts) + ".stderr";
            p = new ProcessBuilder(command).redirectError(root.resolve(stderr).toFile()).start();
            process = p;
            paused = false;
        }
        if (!ReplicaServerMain.awaitStarted(p, peer.id(), timeoutSeconds, TimeUnit.SECONDS))
        {
            throw new AssertionError("member " + peer.id() + " did not start within " + timeoutSeconds + " s (" +
                (p.isAlive() ? "running" : "exited " + p.exitValue()) + "); " + stderrTail());
        }
    }

    /** @return the member's exit status once it ended within {@code seconds}, or -1 while it still runs. */
    int awaitExit(final long seconds) throws InterruptedException
    {
        final Process p = process;
        return p != null && p.waitFor(seconds, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** SIGKILL (and SIGCONT first when paused, so that it can die), then wait for the exit. */
    void kill() throws IOException, InterruptedException
    {
        final Process p = process;
        if (p == null)
        {
            return;
        }
        if (paused)
        {
            resume();
        }
        p.destroyForcibly();   // SIGKILL on Linux
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            throw new AssertionError("member " + peer.id() + " (pid " + p.pid() + ") did not exit within 30 s of SIGKILL");
        }
    }

    void pause() throws IOException, InterruptedException
    {
        signal("-STOP");
        paused = true;
    }

    void resume() throws IOException, InterruptedException
    {
        signal("-CONT");
        paused = false;
    }

    private void signal(final String signal) throws IOException, InterruptedException
    {
        final Process p = process;
        if (p == null || !p.isAlive())
        {
            return;
        }
        final Process kill = new ProcessBuilder("kill", signal, String.valueOf(p.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
        {
            throw new AssertionError("kill " + signal + " " + p.pid() + " failed for member " + peer.id());
        }
    }

    /** For clean-up: resume, SIGKILL, wait (bounded); never throws. */
    void destroy()
    {
        final Process p = process;
        if (p == null)
        {
            return;
        }
        try
        {
            if (p.isAlive())
            {
                new ProcessBuilder("kill", "-CONT", String.valueOf(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            }
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final IOException | InterruptedException ex)
        {
            p.destroyForcibly();
        }
    }

    /**
     * @return the number of entries in the member's WAL (read beside its writer, frames not decoded),
     * or -1 when it cannot be read now (a snapshot being installed swaps the folder).
     */
    long walEntries()
    {
        if (!Files.exists(storeDir().resolve(Replicas.WAL.walDir())))
        {
            return 0;
        }
        try (MmapDirectory d = MmapDirectory.open(storeDir()))
        {
            return new WalReader<>(d, ReplicatedEntry.CODEC, Replicas.WAL).replayFrames(ReplayMode.STRICT, (id, b, o, l) ->
            {
            });
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return the start index of each Raft log segment of the member ({@code log_<start>-<end>}, {@code log_inprogress_<start>}). */
    List<long[]> raftSegments()
    {
        final Path raft = dir.resolve("raft");
        if (!Files.isDirectory(raft))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(raft))
        {
            final List<long[]> segments = new ArrayList<>();
            files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("log_")).forEach(n ->
            {
                if (n.startsWith("log_inprogress_"))
                {
                    segments.add(new long[] {Long.parseLong(n.substring("log_inprogress_".length())), -1});
                }
                else
                {
                    final String[] range = n.substring("log_".length()).split("-");
                    segments.add(new long[] {Long.parseLong(range[0]), Long.parseLong(range[1])});
                }
            });
            return segments;
        }
        catch (final IOException | UncheckedIOException | NumberFormatException ex)
        {
            return List.of();   // a segment renamed or purged while listed: the caller asks again
        }
    }

    /** @return the first index of the member's Raft log (its oldest segment), if it has one. */
    OptionalLong raftLogStart()
    {
        return raftSegments().stream().mapToLong(s -> s[0]).min();
    }

    /** @return the start of the segment the member is writing now, if any. */
    OptionalLong raftInProgressStart()
    {
        return raftSegments().stream().filter(s -> s[1] < 0).mapToLong(s -> s[0]).max();
    }

    /** @return the last lines of the member's latest stderr (stack frames left out), for failure messages. */
    String stderrTail()
    {
        final int start = starts();
        final Path file = root.resolve(peer.id() + "-" + start + ".stderr");
        try
        {
            final List<String> lines = Files.readAllLines(file).stream()
                .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).collect(Collectors.toList());
            return "stderr of " + peer.id() + " (start " + start + ", " + file + "), last lines:\n  " +
                String.join("\n  ", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
        }
        catch (final IOException ex)
        {
            return "stderr of " + peer.id() + " unreadable: " + ex;
        }
    }
}
