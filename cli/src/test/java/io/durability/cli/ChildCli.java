package io.durability.cli;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The tool as a person runs it: {@code DurabilityCli.main} in a child JVM on this test class path,
 * with real standard streams (pipes, terminals made by {@code script}, signals). Only local files;
 * callers bound every wait.
 */
final class ChildCli
{
    private ChildCli()
    {
    }

    /** @return the command line of {@code durability args...} in a child JVM. */
    static List<String> command(final String... args)
    {
        return io.durability.testing.ChildJvms.command(DurabilityCli.class, "256m", args);
    }

    /** @return the command as one shell word list, each word single-quoted. */
    static String shell(final String... args)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String word : command(args))
        {
            sb.append(sb.length() == 0 ? "" : " ").append('\'').append(word.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }

    static Process start(final ProcessBuilder builder)
    {
        try
        {
            return builder.start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
