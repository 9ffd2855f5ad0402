package io.durability.replication.ratis;

import io.durability.testing.ChildJvms;
import io.durability.walog.NextSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A member's command line: every option read, and bad arguments said in one line with exit status 2, never a stack trace. */
class ReplicaServerMainArgsTest
{
    @Test
    void readsEveryOption()
    {
        final ReplicationOptions o = ReplicaServerMain.parseOptions(new String[] {"n1", "spec", "dir",
            "--group", "orders", "--snapshot-every", "5000", "--segment-bytes", "1048576", "--raft-segment-bytes", "262144",
            "--election-ms", "300", "600", "--request-timeout-ms", "1500", "--page-warmer-bytes", "0",
            "--next-segment", "AT_ROLL"}, 3);
        assertEquals("orders", o.groupName());
        assertEquals(Duration.ofMillis(300), o.electionTimeoutMin());
        assertEquals(Duration.ofMillis(1500), o.requestTimeout());
        assertEquals(1 << 20, o.walOptions().segmentCapacity());
        assertEquals(NextSegment.AT_ROLL, o.walOptions().nextSegment(), "--next-segment after --segment-bytes keeps both");
        assertEquals(0, o.mmapOptions().pageWarmerWindow());
        assertTrue(o.toString().contains("snapshotEvery=5000"), o.toString());
        assertTrue(o.toString().contains("raftSegment=262144"), o.toString());
        assertEquals(ReplicationOptions.defaults().toString(), ReplicaServerMain.parseOptions(new String[] {"a", "b", "c"}, 3).toString());
    }

    @Test
    void namesWhatIsWrongWithAnArgument()
    {
        assertRefused("unknown option --bogus", "--bogus");
        assertRefused("--group needs a value", "--group");
        assertRefused("--election-ms needs a value", "--election-ms", "300");
        assertRefused("--snapshot-every takes a whole number, not 'many'", "--snapshot-every", "many");
        assertRefused("--segment-bytes takes a number up to 2147483647, not 9999999999", "--segment-bytes", "9999999999");
        assertRefused("page warmer window", "--page-warmer-bytes", "5");
        assertRefused("--next-segment takes one of [AUTO, BACKGROUND, INLINE, AT_ROLL], not SOON", "--next-segment", "SOON");
    }

    private static void assertRefused(final String expected, final String... options)
    {
        final String[] args = new String[3 + options.length];
        args[0] = "n1";
        args[1] = "n1=127.0.0.1:1";
        args[2] = "dir";
        System.arraycopy(options, 0, args, 3, options.length);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ReplicaServerMain.parseOptions(args, 3), String.join(" ", options));
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aBadCommandLineExitsWithStatusTwoAndOneLine() throws Exception
    {
        for (final List<String> args : List.of(
            List.of("n1", "n1=127.0.0.1:1", "/tmp/never-created", "--snapshot-every", "x"),
            List.of("n1"),
            List.of("n1", "not-a-peer-list", "/tmp/never-created")))
        {
            final Process p = new ProcessBuilder(ChildJvms.command(ReplicaServerMain.class, "64m", args.toArray(String[]::new)))
                .redirectErrorStream(true).start();
            final String out;
            try
            {
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited: " + args);
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            finally
            {
                p.destroyForcibly();
            }
            assertEquals(2, p.exitValue(), out);
            final List<String> lines = out.lines().toList();
            assertEquals(2, lines.size(), "what was wrong, then the usage: " + out);
            assertTrue(lines.get(0).startsWith("ReplicaServerMain: "), out);
            assertTrue(lines.get(1).startsWith("usage: ReplicaServerMain"), out);
            assertFalse(out.contains("\tat "), "no stack trace: " + out);
        }
    }
}
