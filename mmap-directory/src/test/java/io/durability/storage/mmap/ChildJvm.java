package io.durability.storage.mmap;


import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Starts a second JVM on this test classpath running one of the test sources' main classes. */
final class ChildJvm
{
    private ChildJvm()
    {
    }

    static Process start(final Class<?> main, final String... args)
    {
        final List<String> command = io.durability.testing.ChildJvms.command(main, "64m", args);
        try
        {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static BufferedReader output(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Run to completion and return everything it printed. */
    static String run(final Class<?> main, final String... args)
    {
        final Process process = start(main, args);
        try (BufferedReader out = output(process))
        {
            final StringBuilder sb = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                sb.append(line).append('\n');
            }
            final int exit = process.waitFor();
            if (exit != 0)
            {
                throw new AssertionError("child " + main.getSimpleName() + " exited with " + exit + ":\n" + sb);
            }
            return sb.toString();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
        finally
        {
            process.destroyForcibly();
        }
    }
}
