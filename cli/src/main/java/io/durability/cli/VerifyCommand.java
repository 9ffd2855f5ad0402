package io.durability.cli;

import io.durability.codec.BytesCodec;
import io.durability.walog.WalReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code durability verify DIR}: check every frame of every segment strictly, and say whether the
 * WAL is clean, has a torn tail (what a crash leaves; exit 3) or is corrupt (exit 4). Payloads are
 * not decoded, so it works on a WAL of any entry type.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Check every frame of the WAL in DIR strictly: clean, torn tail or corrupt.",
        "Exit 0 when clean; 3 for a torn tail (best effort passes: a crash left it, 'durability repair' cuts it);",
        "4 for corruption (best effort fails too). Errors name the file and offset."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:clean (or, with --best-effort, a torn tail: reported)",
        "1:other failure (I/O)",
        "3:torn tail",
        "4:corruption",
        "6:no such folder, or no WAL folder in it"})
public final class VerifyCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Option(names = "--best-effort",
        description = "Accept a torn tail: exit 0, still reported. Corruption still fails.")
    boolean bestEffort;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try (WalFolder.Wal wal = folder.open())
        {
            final WalVerdict verdict = WalVerdict.check(
                new WalReader<>(wal.directory(), BytesCodec.INSTANCE, wal.options()), spec.commandLine().getErr());
            switch (verdict.state())
            {
                case CLEAN ->
                {
                    final int ignored = verdict.summary().discardedSegments();
                    out.println(verdict.advice() +
                        (ignored > 0 ? "; " + ignored + " uninitialized final segment ignored" : ""));
                    return ExitCodes.OK;
                }
                case TORN_TAIL ->
                {
                    if (!bestEffort)
                    {
                        throw new CliFailure(ExitCodes.TORN_TAIL, verdict.advice());
                    }
                    out.println("accepted with --best-effort: " + verdict.advice());
                    return ExitCodes.OK;
                }
                default -> throw new CliFailure(ExitCodes.CORRUPT, verdict.advice(), verdict.corruption());
            }
        }
    }
}
