package io.durability.cli;

import io.durability.recover.RecoveryCheck;
import io.durability.walog.WalVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code durability verify DIR}: will recovery work, and is every frame intact? Checks every frame of
 * every segment and says whether the WAL is clean, has a torn tail (what a crash leaves; exit 3) or is
 * corrupt (exit 4); then checks the checkpoint the newest marker names and the fallbacks recovery
 * would use (a WAL that reads but would not recover is exit 4). Payloads are not decoded for the
 * frame check, so it works on a WAL of any entry type (markers are looked for in WalEntry WALs).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Check every frame of the WAL in DIR strictly (clean, torn tail or corrupt), then the checkpoint",
        "recovery would start from (the newest marker's, and the fallbacks).",
        "Exit 0 when clean; 3 for a torn tail (best effort passes: a crash left it, 'durability repair' cuts it);",
        "4 for corruption (best effort fails too). Errors name the file and offset."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:clean (or, with --best-effort, a torn tail: reported)",
        "1:other failure (I/O)",
        "3:torn tail",
        "4:corruption, or a WAL that would not recover (a bad checkpoint, no usable marker)",
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
            final RecoveryCheck check = Verdicts.check(wal, spec.commandLine().getErr());
            final WalVerdict verdict = check.wal();
            switch (verdict.state())
            {
                case CLEAN -> out.println(Verdicts.advice(verdict));
                case TORN_TAIL ->
                {
                    if (!bestEffort)
                    {
                        throw new CliFailure(ExitCodes.TORN_TAIL, Verdicts.advice(verdict));
                    }
                    out.println("accepted with --best-effort: " + Verdicts.advice(verdict));
                }
                default -> throw new CliFailure(ExitCodes.CORRUPT, Verdicts.advice(verdict), verdict.problem());
            }
            if (!check.recoverable())
            {
                out.flush();
                throw new CliFailure(ExitCodes.CORRUPT, "the WAL reads, but " + Verdicts.recovery(check), check.problem());
            }
            if (check.marker() != null || !check.notes().isEmpty())
            {
                out.println(Verdicts.recovery(check));
            }
            return ExitCodes.OK;
        }
    }
}
