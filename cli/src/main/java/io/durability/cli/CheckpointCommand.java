package io.durability.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code durability checkpoint}: commands on checkpoint files (today, {@code show}). */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    description = "Commands on checkpoint files.",
    subcommands = CheckpointShowCommand.class)
public final class CheckpointCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    /** Without a subcommand there is nothing to do: show what there is, as bad usage. */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
