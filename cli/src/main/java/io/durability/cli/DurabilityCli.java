package io.durability.cli;

import io.durability.storage.DurabilityException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The {@code durability} command-line tool: inspect, dump, verify and repair WAL folders, show
 * checkpoint files, and run a demo. Every failure leaves as one line on stderr and an exit code
 * from {@link ExitCodes}; {@code --verbose} adds the stack trace.
 */
@Command(
    name = "durability",
    mixinStandardHelpOptions = true,
    versionProvider = BuildVersion.class,
    description = "Inspect, dump, verify, repair and salvage durability write-ahead logs; list named tailers; show checkpoints; run a demo.",
    subcommands = {
        InspectCommand.class, DumpCommand.class, VerifyCommand.class, RepairCommand.class, SalvageCommand.class,
        TailersCommand.class, CheckpointCommand.class,
        DemoCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success; for checks, the WAL is clean",
        "1:other failure (I/O, unexpected error)",
        "2:bad usage",
        "3:torn tail: strict check fails, best effort passes; 'durability repair' cuts it",
        "4:corruption (a WAL best effort fails on, or a bad checkpoint); nothing was changed",
        "5:a writer holds the WAL lock; nothing was changed",
        "6:not found: no such folder, no WAL folder, or no such file"})
public final class DurabilityCli implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    /** Read from the parse result by the error handler: it may follow any command, so it is on all of them. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
        description = "On failure, also print the stack trace.")
    boolean verbose;

    /** Read from the parse result before the command runs ({@link Terminal#progress}). */
    @Option(names = "--progress", paramLabel = "WHEN", scope = ScopeType.INHERIT, defaultValue = "auto",
        description = "Draw progress on stderr: auto (when stderr is a terminal), always or never (default: ${DEFAULT-VALUE}).")
    Terminal.When progress;

    /** Without a command there is nothing to do: show what there is, as bad usage. */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** @return a configured command line (errors print one line, no stack trace unless --verbose). */
    public static CommandLine commandLine()
    {
        final CommandLine cl = new CommandLine(new DurabilityCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        setVersion(cl);
        cl.setExecutionStrategy(parseResult ->
        {
            Terminal.progress(progress(parseResult));
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> fail(ex, cmd, parseResult));
        cl.setParameterExceptionHandler((ex, args) ->
        {
            final CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("durability: " + oneLine(ex.getMessage()) +
                " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return ExitCodes.USAGE;
        });
        return cl;
    }

    /** Subcommands get {@code -V} from the standard help options, but not the version provider. */
    private static void setVersion(final CommandLine cl)
    {
        if (cl.getCommandSpec().versionProvider() == null)
        {
            cl.getCommandSpec().versionProvider(new BuildVersion());
        }
        cl.getSubcommands().values().forEach(DurabilityCli::setVersion);
    }

    /** @return {@code --progress} wherever it was given (the last one wins), or auto. */
    private static Terminal.When progress(final ParseResult parseResult)
    {
        Terminal.When when = Terminal.When.auto;
        for (ParseResult p = parseResult; p != null; p = p.subcommand())
        {
            if (p.hasMatchedOption("--progress"))
            {
                when = p.matchedOptionValue("--progress", Terminal.When.auto);
            }
        }
        return when;
    }

    private static int fail(final Exception ex, final CommandLine cmd, final ParseResult parseResult)
    {
        // Whatever the command printed comes first: the error is its last word.
        cmd.getOut().flush();
        final PrintWriter err = cmd.getErr();
        final int code;
        final String message;
        if (ex instanceof CliFailure f)
        {
            code = f.exitCode();
            message = f.getMessage();
        }
        else if (ex instanceof DurabilityException d)
        {
            code = ExitCodes.of(d);
            message = d.getMessage();
        }
        else
        {
            code = ExitCodes.FAILURE;
            message = ex + (verbose(parseResult) ? "" : " (run with --verbose for the stack trace)");
        }
        err.println("durability: " + oneLine(message));
        if (verbose(parseResult))
        {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** @return whether {@code --verbose} was given anywhere on the command line. */
    static boolean verbose(final ParseResult parseResult)
    {
        for (ParseResult p = parseResult; p != null; p = p.subcommand())
        {
            if (p.hasMatchedOption("--verbose"))
            {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(final String message)
    {
        return String.valueOf(message).strip().replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * The library logs repairs through {@code System.Logger}; the tool prints what it did itself, so
     * the default (console) backend is quieted for it. Held here: the logging backend keeps loggers
     * only weakly.
     */
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("io.durability");

    /**
     * Entry point. Standard output is buffered (a dump can be gigabytes) and flushed at exit. It
     * writes to file descriptor 1 directly, not through {@link System#out}, which swallows write
     * errors: a closed pipe ({@code durability dump big | head -1}) must be noticed, so that the
     * command stops instead of reading the rest of the WAL for nobody.
     */
    public static void main(final String[] args)
    {
        if (!java.util.Arrays.asList(args).contains("--verbose"))
        {
            LIBRARY_LOG.setLevel(java.util.logging.Level.OFF);
        }
        final CommandLine cl = commandLine();
        final PrintWriter out = new PrintWriter(
            new BufferedWriter(new OutputStreamWriter(new Stdout(new FileOutputStream(FileDescriptor.out)),
                StandardCharsets.UTF_8), 1 << 16), false);
        cl.setOut(out);
        int code = cl.execute(args);
        out.flush();
        final String failure = outputFailure();
        if (out.checkError() && failure != null && !failure.equals("closed") && code == ExitCodes.OK)
        {
            // Whatever the command, output that did not reach its file is a failure, not a success.
            System.err.println("durability: writing the output failed: " + failure);
            code = ExitCodes.FAILURE;
        }
        System.exit(code);
    }

    /** The first write error on standard output, kept for {@link #outputFailure()}. */
    private static volatile java.io.IOException outputError;

    /**
     * @return why standard output failed, or {@code null}: {@code "closed"} when its reader went away
     * (a broken pipe: nothing is lost, nobody reads), else the error, which a command must report
     * (a full disk under {@code dump > file} is not a normal end).
     */
    static String outputFailure()
    {
        final java.io.IOException ex = outputError;
        if (ex == null)
        {
            return null;
        }
        final String message = String.valueOf(ex.getMessage());
        return message.contains("Broken pipe") ? "closed" : message;
    }

    /** Standard output that remembers its first write error (a PrintWriter only keeps a flag). */
    private static final class Stdout extends java.io.FilterOutputStream
    {
        Stdout(final java.io.OutputStream out)
        {
            super(out);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws java.io.IOException
        {
            try
            {
                out.write(b, off, len);
            }
            catch (final java.io.IOException ex)
            {
                if (outputError == null)
                {
                    outputError = ex;
                }
                throw ex;
            }
        }
    }
}
