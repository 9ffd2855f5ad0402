package io.durability.cli;

import io.durability.walog.WalLayout;
import java.io.PrintWriter;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * A one-line progress display on stderr for long phases. It draws only when a person is watching
 * stderr ({@link Terminal#drawProgress()}, {@code --progress}): redirected stderr stays free of
 * carriage returns for scripts and logs, whatever stdout is. The line fits the terminal's width (the
 * bar shrinks, then goes), so it never wraps. A bar when the total is known; otherwise (a library
 * call that reports nothing until it returns) the elapsed time, redrawn by a daemon thread.
 */
final class Progress implements AutoCloseable
{
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 30;
    private static final int MIN_BAR_WIDTH = 5;

    private final PrintWriter err;
    private final String label;
    private final long total;
    private final LongFunction<String> unit;
    private final int width;
    private final long startNanos = System.nanoTime();
    private long done;
    private long nextDraw;
    private int drawn;
    private Thread ticker;

    /**
     * @param err   where to draw, or {@code null} to draw nothing.
     * @param total the units when done, or 0 for an elapsed-time display.
     * @param unit  formats an amount of units.
     */
    Progress(final PrintWriter err, final String label, final long total, final LongFunction<String> unit)
    {
        this(err, label, total, unit, err == null ? Terminal.DEFAULT_WIDTH : Terminal.width());
    }

    /** @param width the terminal's columns: a line never takes more than {@code width - 1}. */
    Progress(final PrintWriter err, final String label, final long total, final LongFunction<String> unit,
        final int width)
    {
        this.err = err;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.width = Math.max(2, width);
    }

    /** @return a bar over {@code total} bytes, drawn on a terminal only. */
    static Progress bar(final PrintWriter err, final String label, final long total)
    {
        return bar(err, label, total, Text::bytes);
    }

    /** @return a bar over {@code total} units formatted by {@code unit}, drawn on a terminal only. */
    static Progress bar(final PrintWriter err, final String label, final long total, final LongFunction<String> unit)
    {
        return new Progress(Terminal.drawProgress() ? err : null, label, Math.max(1, total), unit);
    }

    /** @return an elapsed-time display for a call that reports no progress, drawn on a terminal only. */
    static Progress elapsed(final PrintWriter err, final String label)
    {
        final Progress p = new Progress(Terminal.drawProgress() ? err : null, label, 0, Text::count);
        // Drawn at once, so that a person sees which phase runs, however short.
        p.draw(System.nanoTime());
        p.startTicker();
        return p;
    }

    /** @return what {@code call} returns, with the elapsed time shown on a terminal while it runs. */
    static <T> T whileRunning(final PrintWriter err, final String label, final Supplier<T> call)
    {
        final Progress progress = elapsed(err, label);
        try
        {
            return call.get();
        }
        finally
        {
            progress.close();
        }
    }

    /**
     * @return what {@code scan} returns, given a frame observer that moves a bar over the WAL's bytes in
     * use (drawn on a terminal only).
     */
    static <T> T overWal(
        final PrintWriter err, final String label, final WalFolder.Wal wal,
        final java.util.function.Function<io.durability.walog.FrameHandler, T> scan)
    {
        try (Progress progress = wal.progress(err, label))
        {
            return scan.apply(progress.frames());
        }
    }

    /** @return whether progress is drawn in this run (so a caller can skip working out a total). */
    static boolean drawing()
    {
        return Terminal.drawProgress();
    }

    /** @return a frame observer that counts each frame's bytes on disk (header, payload, padding) as done. */
    io.durability.walog.FrameHandler frames()
    {
        return (id, buffer, offset, length) ->
            advance(WalLayout.frameLength(length));
    }

    /** Count {@code units} more as done; redraws at most ten times a second. */
    void advance(final long units)
    {
        update(done + units);
    }

    /** Set the units done so far; redraws at most ten times a second. */
    void update(final long units)
    {
        if (err == null)
        {
            return;
        }
        done = units;
        final long now = System.nanoTime();
        if (now - nextDraw >= 0)
        {
            nextDraw = now + REDRAW_NANOS;
            draw(now);
        }
    }

    /** Package-private for tests: draw the current state now. */
    synchronized void draw(final long now)
    {
        if (err == null)
        {
            return;
        }
        final String line = fit(total > 0 ? barLine() : label + " ... " + Text.seconds(now - startNanos));
        err.print('\r' + line + " ".repeat(Math.max(0, drawn - line.length())));
        err.flush();
        drawn = line.length();
    }

    private String barLine()
    {
        final double fraction = Math.min(1.0, (double)done / total);
        final String figures = Text.percent(fraction) + " " + unit.apply(Math.min(done, total)) + " / " + unit.apply(total);
        final int room = width - 1 - label.length() - figures.length() - 4;
        if (room < MIN_BAR_WIDTH)
        {
            return label + " " + figures;
        }
        final int bar = Math.min(BAR_WIDTH, room);
        final int filled = (int)(fraction * bar);
        return label + " [" + "#".repeat(filled) + "-".repeat(bar - filled) + "] " + figures;
    }

    private String fit(final String line)
    {
        return line.length() < width ? line : line.substring(0, width - 1);
    }

    private void startTicker()
    {
        if (err == null)
        {
            return;
        }
        ticker = new Thread(() ->
        {
            try
            {
                while (!Thread.currentThread().isInterrupted())
                {
                    Thread.sleep(REDRAW_NANOS * 2 / 1_000_000);
                    draw(System.nanoTime());
                }
            }
            catch (final InterruptedException ex)
            {
                // close() stops us: nothing left to draw.
            }
        }, "durability-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    /** Erase the line, so that whatever is printed next starts clean. */
    @Override
    public void close()
    {
        if (ticker != null)
        {
            ticker.interrupt();
            try
            {
                ticker.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this)
        {
            if (err != null && drawn > 0)
            {
                err.print('\r' + " ".repeat(drawn) + '\r');
                err.flush();
                drawn = 0;
            }
        }
    }
}
