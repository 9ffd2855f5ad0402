package io.durability.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Whether a person watches standard error, and how wide their terminal is: what progress display
 * needs. Pure Java: on Linux the link {@code /proc/self/fd/2} names a terminal device exactly when
 * stderr is one; elsewhere {@link System#console()} (stdin and stdout are a terminal) is the best
 * guess there is. The width is {@code $COLUMNS}, else what {@code stty size} reads from the
 * controlling terminal, else 80.
 */
final class Terminal
{
    /** When progress is drawn ({@code --progress}). */
    enum When
    {
        /** Only when stderr is a terminal. */
        auto,
        /** Always (for logs that want it, and for tests). */
        always,
        /** Never. */
        never
    }

    static final int DEFAULT_WIDTH = 80;

    private static volatile When when = When.auto;
    private static volatile int width;

    private Terminal()
    {
    }

    /** Set by the command line before each run ({@code --progress}). */
    static void progress(final When w)
    {
        when = w;
        width = 0;
    }

    /** @return whether progress is to be drawn on stderr. */
    static boolean drawProgress()
    {
        return switch (when)
        {
            case always -> true;
            case never -> false;
            case auto -> stderrIsTerminal();
        };
    }

    static boolean stderrIsTerminal()
    {
        final Path fd = Path.of("/proc/self/fd/2");
        if (Files.isSymbolicLink(fd))
        {
            try
            {
                return isTerminalDevice(Files.readSymbolicLink(fd).toString());
            }
            catch (final IOException | UnsupportedOperationException | SecurityException ex)
            {
                return false;
            }
        }
        return System.console() != null;
    }

    /** @return whether {@code target}, where a file descriptor link points, is a terminal device. */
    static boolean isTerminalDevice(final String target)
    {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }

    /** @return the terminal's width in columns (looked up once per run). */
    static int width()
    {
        int w = width;
        if (w == 0)
        {
            w = lookUpWidth();
            width = w;
        }
        return w;
    }

    private static int lookUpWidth()
    {
        final int columns = parsePositive(System.getenv("COLUMNS"));
        if (columns > 0)
        {
            return columns;
        }
        final File tty = new File("/dev/tty");
        if (tty.exists())
        {
            try
            {
                final Process stty = new ProcessBuilder("stty", "size").redirectInput(tty)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                final String out = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
                if (stty.waitFor(1, TimeUnit.SECONDS) && stty.exitValue() == 0)
                {
                    final String[] rowsCols = out.split("\\s+");
                    final int cols = rowsCols.length == 2 ? parsePositive(rowsCols[1]) : 0;
                    if (cols > 0)
                    {
                        return cols;
                    }
                }
                stty.destroy();
            }
            catch (final IOException ex)
            {
                // No stty: the default below.
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        return DEFAULT_WIDTH;
    }

    private static int parsePositive(final String s)
    {
        if (s == null)
        {
            return 0;
        }
        try
        {
            return Math.max(0, Integer.parseInt(s.strip()));
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }
}
