package io.durability.cli;

import io.durability.storage.DurabilityException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code durability} command-line tool. */
@Command(
    name = "durability",
    mixinStandardHelpOptions = true,
    version = "durability 0.1.0-SNAPSHOT",
    description = "Inspect, verify and demonstrate durability write-ahead logs.",
    subcommands = {DemoCommand.class})
public final class DurabilityCli implements Runnable
{
    /** Exit code for bad usage. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a library failure. */
    public static final int EXIT_FAILURE = 1;

    @Override
    public void run()
    {
        new CommandLine(this).usage(System.out);
    }

    /** @return a configured command line (errors print one line, no stack trace). */
    public static CommandLine commandLine()
    {
        final CommandLine cl = new CommandLine(new DurabilityCli());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            if (ex instanceof DurabilityException d)
            {
                cmd.getErr().println("durability: " + d.getMessage());
                return EXIT_FAILURE;
            }
            cmd.getErr().println("durability: " + ex);
            return EXIT_FAILURE;
        });
        return cl;
    }

    /** Entry point. */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }
}
