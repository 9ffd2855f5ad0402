package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalSalvage;
import io.durability.walog.WalReader;
import io.durability.walog.WalTailer;
import io.durability.walog.WalVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code durability dump DIR}: print entries with their ids, streaming. Frames are read in place
 * ({@link WalReader#replayFrames}) and printed one at a time, so memory use does not grow with the
 * WAL; the scan stops at the first id past {@code --to}, and when nobody reads the output any more
 * (a closed pipe). {@code --follow} then keeps printing what a writer appends ({@link WalTailer}).
 */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print the entries of the WAL in DIR with their ids, one per line.",
        "Streams (any WAL size); stops when its output is closed (| head). Strict: damage after the last entry",
        "asked for is reported (torn tail: exit 3, corruption: 4); damage after the range is only noted."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every entry in the range was printed",
        "1:other failure (I/O)",
        "2:bad usage",
        "3:torn tail before the end of the range (the entries before it were printed)",
        "4:corruption before the end of the range (the entries before it were printed); with --skip-damage:",
        "  the WAL is damaged (every entry that could be read was printed, each loss labelled)",
        "6:no such folder or WAL folder, or entries asked for by --from/--to that the WAL does not hold"})
public final class DumpCommand implements Callable<Integer>
{
    /** Frames between checks for a closed output (e.g. piped into {@code head}). */
    private static final int CHECK_OUTPUT_EVERY = 256;

    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Option(names = "--from", paramLabel = "ID", description = "First entry id to print (default: the first entry).")
    Long from;

    @Option(names = "--to", paramLabel = "ID", description = "Last entry id to print (default: the last entry).")
    Long to;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text or json (JSON Lines: one object per line) (default: ${DEFAULT-VALUE}).")
    EntryPrinter.Format format;

    @Option(names = "--codec", paramLabel = "CODEC", defaultValue = "auto",
        description = {"auto (the codec whose id the WAL records, among those the codec providers on the class path",
            "offer; hex and ASCII when none does), raw (hex and ASCII), a codec's NAME (walentry; replicated with the",
            "replication jar on the class path), or the CLASS name of a Codec (its static INSTANCE or CODEC field, or",
            "a public no-argument constructor) (default: ${DEFAULT-VALUE})."})
    String codec;

    @Option(names = "--skip-damage",
        description = {"Forensics: read past damage, from the next frame whose length, CRC, salt and id check out,",
            "and label each loss with the entry ids and bytes it took. Not a replay: what follows damage may",
            "never have been acknowledged. Exit 4 if damaged."})
    boolean skipDamage;

    @Option(names = "--follow",
        description = {"After the last entry, keep printing entries as a writer appends them, like tail -f, until",
            "interrupted (Ctrl-C). Entries are printed once visible (appended), not only once durable."})
    boolean follow;

    /** How long an idle --follow waits between polls: short enough to look live, long enough to cost nothing. */
    private static final long FOLLOW_IDLE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2);

    /** Thrown from the frame handler to end the scan early; carries no stack trace (it is not an error). */
    private static final class Stop extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Stop()
        {
            super("stop", null, false, false);
        }
    }

    /** What one dump saw: the range of ids in the WAL and of those printed. */
    private static final class Seen
    {
        long first;
        long last;
        long printed;
        long firstPrinted;
        long lastPrinted;
        boolean outputClosed;
        boolean stoppedEarly;
    }

    @Override
    public Integer call()
    {
        final long lo = from == null ? 1 : from;
        final long hi = to == null ? Long.MAX_VALUE : to;
        if (lo < 1 || hi < 1)
        {
            throw new CliFailure(ExitCodes.USAGE, "entry ids start at 1 (found --from " + from + ", --to " + to + ")");
        }
        if (lo > hi)
        {
            throw new CliFailure(ExitCodes.USAGE, "--from " + lo + " is after --to " + hi);
        }
        if (follow && (to != null || skipDamage))
        {
            throw new CliFailure(ExitCodes.USAGE, "--follow prints entries without end: it takes no --to and no " +
                "--skip-damage");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Seen seen = new Seen();
        try (WalFolder.Wal wal = folder.open())
        {
            final EntryPrinter printer = new EntryPrinter(out, format, decoder(wal));
            if (skipDamage)
            {
                return salvage(wal, out, err, printer, lo, hi, seen);
            }
            if (follow)
            {
                return follow(wal, out, err, printer, seen, lo);
            }
            final WalReader<byte[]> reader = new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options());
            try (Progress progress = wal.progress(err, "dump"))
            {
                final io.durability.walog.FrameHandler advance = progress.frames();
                reader.replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
                {
                    advance.onFrame(id, buffer, offset, length);
                    if (seen.first == 0)
                    {
                        seen.first = id;
                    }
                    seen.last = id;
                    if (id < lo)
                    {
                        return;
                    }
                    if (id > hi)
                    {
                        seen.stoppedEarly = true;
                        throw new Stop();
                    }
                    print(printer, seen, id, buffer, offset, length);
                    if (id == hi)
                    {
                        seen.stoppedEarly = true;
                        throw new Stop();
                    }
                    if (seen.printed % CHECK_OUTPUT_EVERY == 0 && out.checkError())
                    {
                        seen.outputClosed = true;
                        throw new Stop();
                    }
                });
            }
            catch (final Stop stop)
            {
                // --to reached, or nobody is reading: a normal end.
            }
            catch (final DurabilityException ex)
            {
                if (!Verdicts.isDamage(ex))
                {
                    throw ex;
                }
                if (to != null && seen.lastPrinted == hi)
                {
                    // Everything asked for was printed: the damage lies after the range.
                    noteAfterRange(out, err, ex);
                    return finish(out, err, printer, seen, lo, hi, true);
                }
                final WalVerdict verdict = Progress.overWal(err, "classifying the damage", wal, reader::check);
                throw new CliFailure(Verdicts.exitCode(verdict), "stopped after " + Text.count(seen.printed) +
                    " entries printed: " + Verdicts.advice(verdict), ex);
            }
            return finish(out, err, printer, seen, lo, hi, true);
        }
    }

    /**
     * {@code --follow}: a {@link WalTailer} (strict, visible entries) opened at {@code --from} (a seek: the
     * segment headers, then at most one segment, not the whole WAL) or at the first entry, polled until
     * the thread is interrupted, the output is closed or the tailer fails. Output is flushed whenever
     * nothing new is there, and by a shutdown hook on Ctrl-C.
     */
    private int follow(
        final WalFolder.Wal wal, final PrintWriter out, final PrintWriter err, final EntryPrinter printer,
        final Seen seen, final long lo)
    {
        final long start = from == null ? WalTailer.FIRST : lo;
        final Thread flushAtExit = new Thread(out::flush, "durability-dump-follow-flush");
        Runtime.getRuntime().addShutdownHook(flushAtExit);
        try (WalTailer<byte[]> tailer = WalTailer.open(wal.directory(), BytesCodec.INSTANCE, wal.options(),
            ReplayMode.STRICT, WalTailer.Delivery.VISIBLE, start))
        {
            final io.durability.walog.FrameHandler printing =
                (id, buffer, offset, length) -> print(printer, seen, id, buffer, offset, length);
            while (!Thread.currentThread().isInterrupted())
            {
                if (tailer.pollFrames(printing, CHECK_OUTPUT_EVERY) == 0)
                {
                    out.flush();
                    if (out.checkError())
                    {
                        seen.outputClosed = true;
                        break;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(FOLLOW_IDLE_NANOS);
                }
                else if (out.checkError())
                {
                    seen.outputClosed = true;
                    break;
                }
            }
        }
        catch (final DurabilityException ex)
        {
            out.flush();
            if (ex.kind() == DurabilityException.Kind.NOT_FOUND)
            {
                throw new CliFailure(ExitCodes.NOT_FOUND, "--follow --from " + lo + ": " + ex.getMessage(), ex);
            }
            if (!Verdicts.isDamage(ex))
            {
                throw new CliFailure(ExitCodes.FAILURE, "--follow stopped after " + Text.count(seen.printed) +
                    " entries printed: " + ex.getMessage(), ex);
            }
            final WalVerdict verdict = Progress.overWal(err, "classifying the damage", wal,
                new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options())::check);
            final int code = Verdicts.exitCode(verdict);
            throw new CliFailure(code == ExitCodes.OK ? ExitCodes.CORRUPT : code, "--follow stopped after " +
                Text.count(seen.printed) + " entries printed: " + Verdicts.advice(verdict), ex);
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(flushAtExit);
            }
            catch (final IllegalStateException shuttingDown)
            {
                // The hook is running or about to: it flushes.
            }
        }
        return finish(out, err, printer, seen, lo, Long.MAX_VALUE, false);
    }

    /**
     * @return the decoder to use: what the WAL records for {@code auto}; {@code walentry} is refused
     * (bad usage) on a WAL whose headers record another codec, which would print nonsense.
     */
    private io.durability.codec.Codec<?> decoder(final WalFolder.Wal wal)
    {
        return Codecs.resolve(codec, WalReader.recordedCodecId(wal.directory(), wal.options()));
    }

    private static void print(
        final EntryPrinter printer, final Seen seen, final long id, final org.agrona.DirectBuffer buffer,
        final int offset, final int length)
    {
        printer.print(id, buffer, offset, length);
        if (seen.printed++ == 0)
        {
            seen.firstPrinted = id;
        }
        seen.lastPrinted = id;
    }

    private void noteAfterRange(final PrintWriter out, final PrintWriter err, final DurabilityException ex)
    {
        out.flush();
        err.println("durability: note: the WAL is damaged after the entries asked for (run 'durability verify'): " +
            ex.getMessage());
    }

    /**
     * The end of a dump that read what it could: notes, and exit 6 when ids asked for explicitly
     * are not in the WAL (truncated after a checkpoint, or not written yet).
     */
    private int finish(
        final PrintWriter out, final PrintWriter err, final EntryPrinter printer, final Seen seen, final long lo,
        final long hi, final boolean complete)
    {
        out.flush();
        seen.outputClosed |= out.checkError();
        final String failure = DurabilityCli.outputFailure();
        if (seen.outputClosed && failure != null && !failure.equals("closed"))
        {
            throw new CliFailure(ExitCodes.FAILURE, "writing the output failed after " + Text.count(seen.printed) +
                " entries: " + failure);
        }
        if (seen.outputClosed)
        {
            // Nobody reads any more (| head): as quiet as a tool killed by SIGPIPE, but said with --verbose.
            if (verbose())
            {
                err.println("durability: output closed after " + Text.count(seen.printed) + " entries; stopped reading");
            }
            return ExitCodes.OK;
        }
        if (printer.undecodable() > 0)
        {
            err.println("durability: note: " + Text.count(printer.undecodable()) +
                " entries did not decode as WalEntry and are shown as hex (use --codec raw for other entry types)");
        }
        if (!complete || (from == null && to == null))
        {
            return ExitCodes.OK;
        }
        // After a stop at --to the WAL's last id is not known (nothing after it was read).
        final String holds = seen.first == 0 ? "the WAL holds no entries" : seen.stoppedEarly ?
            "the WAL starts at entry " + Text.count(seen.first) :
            "the WAL holds entries " + Text.count(seen.first) + ".." + Text.count(seen.last);
        final String asked = "entries " + Text.count(lo) + ".." + (to == null ? "" : Text.count(hi));
        if (seen.printed == 0)
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "none of " + asked + " is in the WAL: " + holds + why(seen, lo));
        }
        final StringBuilder missing = new StringBuilder();
        if (from != null && lo < seen.firstPrinted)
        {
            missing.append(Text.count(lo)).append("..").append(Text.count(seen.firstPrinted - 1));
        }
        if (to != null && hi > seen.lastPrinted)
        {
            missing.append(missing.length() == 0 ? "" : " and ").append(Text.count(seen.lastPrinted + 1)).append("..")
                .append(Text.count(hi));
        }
        if (missing.length() > 0)
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "printed " + Text.count(seen.printed) + " of " + asked +
                ": entries " + missing + " are not in the WAL; " + holds + why(seen, lo));
        }
        return ExitCodes.OK;
    }

    private static String why(final Seen seen, final long lo)
    {
        return seen.first > 1 && lo < seen.first ?
            " (the entries before it were truncated after a checkpoint)" : "";
    }

    private boolean verbose()
    {
        return DurabilityCli.verbose(spec.root().commandLine().getParseResult());
    }

    /**
     * {@code --skip-damage}: every entry that can be read ({@link WalSalvage}: past damage, at the next frame
     * that checks out), each loss labelled where it happened with the ids and bytes it took, then a summary
     * on the error stream and exit 4 when anything was lost or the verdict is not clean. The verdict on
     * the WAL is still core's.
     */
    private int salvage(
        final WalFolder.Wal wal, final PrintWriter out, final PrintWriter err, final EntryPrinter printer,
        final long lo, final long hi, final Seen seen)
    {
        final WalVerdict verdict = Progress.overWal(err, "verifying", wal,
            new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options())::check);
        final WalSalvage.Report report;
        try (Progress progress = wal.progress(err, "dump"))
        {
            final io.durability.walog.FrameHandler advance = progress.frames();
            report = WalSalvage.salvage(wal.directory(), wal.options(), (id, buffer, offset, length) ->
            {
                advance.onFrame(id, buffer, offset, length);
                if (id < lo || id > hi)
                {
                    return;
                }
                print(printer, seen, id, buffer, offset, length);
                if (seen.printed % CHECK_OUTPUT_EVERY == 0 && out.checkError())
                {
                    seen.outputClosed = true;
                    throw new Stop();
                }
            }, loss -> label(out, "LOST " + loss.describe()));
        }
        catch (final Stop stop)
        {
            return finish(out, err, printer, seen, lo, hi, false);
        }
        final boolean damaged = verdict.state() != WalVerdict.State.CLEAN || report.lostAnything();
        out.flush();
        if (damaged)
        {
            final String lost = !report.lostAnything() ? "nothing lost to damage" :
                Text.count(report.entriesLost()) + (report.entriesLost() == 1 ? " entry" : " entries") + " lost in " +
                Text.count(report.losses().size()) +
                (report.losses().size() == 1 ? " place" : " places") +
                (report.lossUnbounded() ? ", and an unknown number after the last entry read" : "");
            throw new CliFailure(ExitCodes.CORRUPT, "--skip-damage printed " + Text.count(seen.printed) +
                " entries (" + lost + "), including any after the damage, which may never have been acknowledged: " +
                Verdicts.advice(verdict));
        }
        return finish(out, err, printer, seen, lo, hi, true);
    }

    private void label(final PrintWriter out, final String text)
    {
        if (format == EntryPrinter.Format.json)
        {
            final StringBuilder sb = new StringBuilder("{\"skip-damage\":");
            Json.string(sb, text);
            out.println(sb.append('}'));
        }
        else
        {
            out.println("-- " + text);
        }
    }
}
