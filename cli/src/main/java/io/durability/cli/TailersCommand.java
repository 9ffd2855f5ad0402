package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalReader;
import io.durability.walog.WalTailer;
import io.durability.walog.WalVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code durability tailers DIR}: the named tailers ({@code WalTailer.builder(...).named(...)}) that stored a
 * position on the WAL in DIR, each with the next entry it delivers and its lag behind the last entry the WAL
 * holds. Reads only.
 */
@Command(name = "tailers", mixinStandardHelpOptions = true,
    description = {
        "List the named tailers of the WAL in DIR: the next entry each delivers (its last commit) and how many",
        "entries the WAL holds beyond it (its lag). Reads only."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:listed (also when there are none)",
        "1:other failure (I/O)",
        "4:a position file is damaged (named), or the WAL does not read",
        "6:no such folder, or no WAL folder in it"})
public final class TailersCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (WalFolder.Wal wal = folder.open())
        {
            final Map<String, Long> positions;
            try
            {
                positions = WalTailer.positions(wal.directory(), wal.options());
            }
            catch (final DurabilityException ex)
            {
                throw new CliFailure(ExitCodes.CORRUPT, ex.getMessage(), ex);
            }
            final WalVerdict verdict = Progress.overWal(spec.commandLine().getErr(), "verifying", wal,
                new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options())::check);
            if (positions.isEmpty())
            {
                out.println("no named tailer has committed a position on " + wal.directory().root().resolve(
                    wal.options().walDir()));
                return ExitCodes.OK;
            }
            final long last = verdict.lastEntryId();
            out.println(String.format("%-24s %14s %14s", "tailer", "next entry", "lag (entries)"));
            for (final Map.Entry<String, Long> e : positions.entrySet())
            {
                final long next = e.getValue();
                final String lag = next < verdict.firstEntryId() && verdict.entries() > 0 ?
                    "truncated past it (first entry " + verdict.firstEntryId() + ")" :
                    Text.count(Math.max(0, last - next + 1));
                out.println(String.format("%-24s %14s %14s", e.getKey(), Text.count(next), lag));
            }
            if (verdict.state() != WalVerdict.State.CLEAN)
            {
                out.println("(the WAL reads as far as entry " + last + ": " + Verdicts.advice(verdict) + ")");
            }
            return ExitCodes.OK;
        }
    }
}
