package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.frame.FrameDescriptor;
import io.durability.storage.DurabilityException;
import io.durability.walog.ReplayMode;
import io.durability.walog.WalLayout;
import io.durability.walog.WalReader;
import io.durability.walog.WalVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code durability dump DIR}: print entries with their ids, streaming. Frames are read in place
 * ({@link WalReader#replayFrames}) and printed one at a time, so memory use does not grow with the
 * WAL; the scan stops at the first id past {@code --to}.
 */
@Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Print the entries of the WAL in DIR with their ids, one per line.",
        "Streams (any WAL size). Strict: after the last valid entry, a torn tail exits 3 and corruption 4."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every entry in the range was printed",
        "1:other failure (I/O)",
        "3:torn tail after the entries printed",
        "4:corruption after the entries printed",
        "6:no such folder, or no WAL folder in it"})
public final class DumpCommand implements Callable<Integer>
{
    /** Frames between checks for a closed output (e.g. piped into {@code head}). */
    private static final int CHECK_OUTPUT_EVERY = 1024;

    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Option(names = "--from", paramLabel = "ID", defaultValue = "1", description = "First entry id to print (default: ${DEFAULT-VALUE}).")
    long from;

    @Option(names = "--to", paramLabel = "ID", description = "Last entry id to print (default: the last entry).")
    long to = Long.MAX_VALUE;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
        description = "text or json (JSON Lines: one object per line) (default: ${DEFAULT-VALUE}).")
    EntryPrinter.Format format;

    @Option(names = "--codec", paramLabel = "CODEC", defaultValue = "walentry",
        description = "walentry (decode WalEntry payloads) or raw (hex) (default: ${DEFAULT-VALUE}).")
    EntryPrinter.Codec codec;

    /** Thrown from the frame handler to end the scan early; carries no stack trace (it is not an error). */
    private static final class Stop extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Stop()
        {
            super("stop", null, false, false);
        }
    }

    @Override
    public Integer call()
    {
        if (from > to)
        {
            throw new CliFailure(ExitCodes.USAGE, "--from " + from + " is after --to " + to);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final EntryPrinter printer = new EntryPrinter(out, format, codec);
        try (WalFolder.Wal wal = folder.open())
        {
            final WalReader<byte[]> reader = new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options());
            final long[] printed = {0};
            try (Progress progress = Progress.bar(err, "dump", walBytes(wal)))
            {
                reader.replayFrames(ReplayMode.STRICT, (id, buffer, offset, length) ->
                {
                    progress.advance(FrameDescriptor.align(FrameDescriptor.HEADER_LENGTH + length));
                    if (id < from)
                    {
                        return;
                    }
                    if (id > to)
                    {
                        throw new Stop();
                    }
                    printer.print(id, buffer, offset, length);
                    if (++printed[0] % CHECK_OUTPUT_EVERY == 0 && out.checkError())
                    {
                        // The reader went away (a closed pipe): reading the rest would be wasted.
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
                final WalVerdict verdict = Progress.whileRunning(err, "classifying the damage", reader::check);
                throw new CliFailure(Verdicts.exitCode(verdict), "stopped after " + Text.count(printed[0]) +
                    " entries printed: " + Verdicts.advice(verdict), ex);
            }
            if (printer.undecodable() > 0)
            {
                out.flush();
                err.println("durability: note: " + Text.count(printer.undecodable()) +
                    " entries did not decode as WalEntry and are shown as hex (use --codec raw for other entry types)");
            }
            return ExitCodes.OK;
        }
    }

    private static long walBytes(final WalFolder.Wal wal)
    {
        long total = 0;
        for (final long id : WalLayout.segmentIds(wal.directory(), wal.options().walDir()))
        {
            total += wal.directory().fileLength(WalLayout.segmentPath(wal.options().walDir(), id));
        }
        return total;
    }
}
