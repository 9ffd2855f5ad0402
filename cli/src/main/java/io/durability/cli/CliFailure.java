package io.durability.cli;

/**
 * A failure a command has already put into words: the handler prints its message as one line on
 * stderr and exits with its code. Commands throw it instead of printing and returning, so that
 * every error leaves the tool the same way (and {@code --verbose} can add the cause's trace).
 */
final class CliFailure extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliFailure(final int exitCode, final String message)
    {
        this(exitCode, message, null);
    }

    CliFailure(final int exitCode, final String message, final Throwable cause)
    {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode()
    {
        return exitCode;
    }
}
