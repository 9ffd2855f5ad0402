package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tool in a child JVM with real standard streams (issue 13): a pipe closed by its reader, a
 * terminal made by {@code script(1)} (util-linux, on every Debian), an interrupt. Every wait is bounded.
 */
class ProcessUseTest
{
    private static final int ENTRIES = 300_000;
    @TempDir
    static Path wal;

    @BeforeAll
    static void writeWal()
    {
        try (MmapDirectory dir = MmapDirectory.open(wal);
            WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(4 << 20)))
        {
            for (int i = 1; i <= ENTRIES; i++)
            {
                w.append(("entry-" + i).getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void dumpStopsWhenItsOutputIsClosed() throws Exception
    {
        // Case 1: 'dump big | head -1' read the whole WAL, as System.out never reported the broken pipe.
        final Process p = ChildCli.start(new ProcessBuilder(ChildCli.command("--verbose", "dump", wal.toString(), "--codec", "raw"))
            .redirectError(ProcessBuilder.Redirect.PIPE));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            assertEquals("1  7 bytes  656e7472792d31  |entry-1|", out.readLine());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dump did not stop");
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(ExitCodes.OK, p.exitValue(), err);
        final Matcher m = Pattern.compile("output closed after ([0-9,]+) entries; stopped reading").matcher(err);
        assertTrue(m.find(), err);
        final long printed = Long.parseLong(m.group(1).replace(",", ""));
        assertTrue(printed < ENTRIES / 2, "stopped after " + printed + " of " + ENTRIES);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aWriteErrorOtherThanAClosedPipeIsAFailure() throws Exception
    {
        // dump > file on a full disk must not end like '| head': /dev/full fails every write with ENOSPC.
        final Process p = ChildCli.start(new ProcessBuilder(ChildCli.command("dump", wal.toString(), "--codec", "raw"))
            .redirectOutput(new File("/dev/full")).redirectError(ProcessBuilder.Redirect.PIPE));
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dump did not stop");
        assertEquals(ExitCodes.FAILURE, p.exitValue(), err);
        assertTrue(err.contains("writing the output failed after") && err.contains("No space left on device"), err);

        // Short output fails only at the final flush, whatever the command.
        final Process inspect = ChildCli.start(new ProcessBuilder(ChildCli.command("inspect", wal.toString()))
            .redirectOutput(new File("/dev/full")).redirectError(ProcessBuilder.Redirect.PIPE));
        final String inspectErr = new String(inspect.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(inspect.waitFor(60, TimeUnit.SECONDS));
        assertEquals(ExitCodes.FAILURE, inspect.exitValue(), inspectErr);
        assertTrue(inspectErr.contains("durability: writing the output failed: No space left on device"), inspectErr);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void progressGoesToStderrOnlyWhenStderrIsATerminal() throws Exception
    {
        // Case 3: drawn when stdin and stdout were a terminal, into a redirected stderr; never when
        // stdout was piped and stderr was the terminal.
        final Path errFile = Files.createTempFile("durability-progress-", ".txt");
        try
        {
            final String redirected = inTerminal(ChildCli.shell("dump", wal.toString(), "--codec", "raw") + " 2>'" + errFile + "'", 80);
            assertTrue(redirected.contains("1  7 bytes  656e7472792d31"), "stdout is the terminal");
            assertEquals("", Files.readString(errFile), "no progress into a redirected stderr");

            final String piped = inTerminal(ChildCli.shell("dump", wal.toString(), "--codec", "raw") + " | cat > /dev/null", 40);
            assertTrue(piped.contains("\r") && piped.contains("dump ["), "progress on the terminal: " + piped);
            for (final String frame : piped.split("[\r\n]+"))
            {
                assertTrue(frame.length() < 40, "a progress line wider than the 40-column terminal: '" + frame + "'");
            }
        }
        finally
        {
            Files.deleteIfExists(errFile);
        }
    }

    /** @return what the terminal shows when {@code shellCommand} runs in one of {@code columns} columns. */
    private static String inTerminal(final String shellCommand, final int columns) throws Exception
    {
        final ProcessBuilder b = new ProcessBuilder("script", "-qec", shellCommand, "/dev/null")
            .redirectInput(new File("/dev/null")).redirectErrorStream(true);
        b.environment().put("COLUMNS", Integer.toString(columns));
        final Process p = ChildCli.start(b);
        final byte[] shown = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script did not end");
        assertEquals(0, p.exitValue(), new String(shown, StandardCharsets.UTF_8));
        return new String(shown, StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anInterruptedDemoDeletesItsFolder() throws Exception
    {
        // Case 4: Ctrl-C left the temporary folder (193 MB) behind.
        final Path errFile = Files.createTempFile("durability-demo-err-", ".txt");
        final Process p = ChildCli.start(new ProcessBuilder(ChildCli.command("demo", "--entries", "200000000"))
            .redirectError(errFile.toFile()));
        Path folder = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            final String first = out.readLine();
            final Matcher m = Pattern.compile("entries into (.+)$").matcher(String.valueOf(first));
            assertTrue(m.find(), first);
            folder = Path.of(m.group(1));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(folder.resolve("wal/wal-2.seg")) && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(folder.resolve("wal/wal-2.seg")), "the demo is appending");
            // Ctrl-C is SIGINT. A process started in the background by a non-interactive shell inherits
            // SIGINT ignored (and the JVM then leaves it ignored), so there SIGTERM stands in: the JVM
            // runs the same shutdown hooks for both.
            final String signal = sigintIgnored() ? "TERM" : "INT";
            System.out.println("ProcessUseTest: interrupting the demo with SIG" + signal);
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo did not stop on SIG" + signal);
            final String err = Files.readString(errFile);
            assertFalse(Files.exists(folder), "the interrupted demo left " + folder + "; stderr: " + err);
            assertTrue(err.contains("durability demo: interrupted; deleted " + folder), err);
        }
        finally
        {
            p.destroyForcibly();
            Files.deleteIfExists(errFile);
            if (folder != null)
            {
                TestWals.delete(folder);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void followPrintsWhatAWriterAppendsAcrossRollsUntilCtrlC(@TempDir final Path root) throws Exception
    {
        // Issue 15: 'dump --follow' is tail -f for a WAL; Ctrl-C stops it with everything delivered printed.
        final Path errFile = Files.createTempFile("durability-follow-err-", ".txt");
        TestWals.writeEntries(root, 10);
        final Process p = ChildCli.start(new ProcessBuilder(ChildCli.command("dump", root.toString(), "--follow",
            "--from", "5")).redirectError(errFile.toFile()));
        final java.util.List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final IOException ignored)
            {
                // the pipe closes when the child exits
            }
        }, "follow-output");
        reader.setDaemon(true);
        reader.start();
        try
        {
            awaitCount(lines, 6, p, errFile);
            try (MmapDirectory dir = MmapDirectory.open(root);
                WalWriter<io.durability.walog.WalEntry> w = WalWriter.resume(dir,
                    io.durability.walog.WalEntryCodec.INSTANCE, TestWals.options()))
            {
                final long firstSegment = w.currentSegmentId();
                for (long id = 11; id <= 600; id++)
                {
                    w.append(TestWals.entry(id));
                }
                assertTrue(w.currentSegmentId() > firstSegment + 3, "the writer rolled: segment " + w.currentSegmentId());
            }
            awaitCount(lines, 596, p, errFile);
            final String signal = sigintIgnored() ? "TERM" : "INT";
            System.out.println("ProcessUseTest: stopping dump --follow with SIG" + signal);
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dump --follow did not stop on SIG" + signal);
            reader.join(10_000);
            assertEquals(signal.equals("INT") ? 130 : 143, p.exitValue(), Files.readString(errFile));
            assertEquals(596, lines.size(), "every entry from 5 once; stderr: " + Files.readString(errFile));
            for (int i = 0; i < lines.size(); i++)
            {
                final long id = 5 + i;
                assertEquals(id + "  " + TestWals.entry(id), lines.get(i));
            }
        }
        finally
        {
            p.destroyForcibly();
            Files.deleteIfExists(errFile);
        }
    }

    private static void awaitCount(final java.util.List<String> lines, final int n, final Process p, final Path errFile)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines.size() < n && p.isAlive() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(lines.size() >= n, "dump --follow printed " + lines.size() + " of " + n + " lines; alive=" +
            p.isAlive() + "; stderr: " + Files.readString(errFile));
    }

    /** @return whether this process (and so a child it starts) has SIGINT ignored ({@code SigIgn} in /proc/self/status). */
    private static boolean sigintIgnored() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("SigIgn:"))
            {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }
}
