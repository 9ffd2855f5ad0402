package io.durability.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

/** What every command shares: help, exit codes, one-line errors, --verbose. */
class CliTest
{
    private final Path root = TestWals.newFolder();

    @AfterEach
    void deleteFolder()
    {
        TestWals.delete(root);
    }

    @Test
    void everyCommandHasHelp()
    {
        for (final String command : List.of("", "inspect", "dump", "verify", "repair", "checkpoint", "checkpoint show", "demo"))
        {
            final String line = (command + " --help").strip();
            final TestWals.Run r = cli(line.split(" "));
            assertEquals(ExitCodes.OK, r.exit(), line);
            assertTrue(r.out().startsWith(("Usage: durability " + command).strip() + " ["), r.out());
        }
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes()
    {
        final String help = cli("--help").out();
        for (final String s : List.of("inspect", "dump", "verify", "repair", "checkpoint", "demo", "--verbose",
            "Exit codes:", "3   torn tail", "4   corruption", "5   a writer holds the WAL lock", "6   not found"))
        {
            assertTrue(help.contains(s), s + " in\n" + help);
        }
        final String verify = cli("verify", "--help").out();
        assertTrue(verify.contains("3   torn tail") && verify.contains("4   corruption"), verify);
    }

    @Test
    void noCommandIsBadUsage()
    {
        final TestWals.Run r = cli();
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().startsWith("Usage: durability"), r.err());
    }

    @Test
    void unknownOptionIsOneLineOfBadUsage()
    {
        final TestWals.Run r = cli("verify", root.toString(), "--frobnicate");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals("durability: Unknown option: '--frobnicate' (see 'durability verify --help')", r.err().strip());
    }

    @Test
    void errorsAreOneLineWithoutStackTraceUnlessVerbose()
    {
        TestWals.writeEntries(root, 250);
        TestWals.flipInFrame(root, 1, 0);
        final TestWals.Run quiet = cli("verify", root.toString());
        assertEquals(ExitCodes.CORRUPT, quiet.exit());
        assertEquals(1, quiet.err().lines().count(), quiet.err());
        assertFalse(quiet.err().contains("\tat "), quiet.err());

        for (final String[] args : new String[][] {{"verify", root.toString(), "--verbose"}, {"--verbose", "verify", root.toString()}})
        {
            final TestWals.Run verbose = cli(args);
            assertEquals(ExitCodes.CORRUPT, verbose.exit());
            assertTrue(verbose.err().startsWith(quiet.err()), verbose.err());
            assertTrue(verbose.err().contains("\tat io.durability."), verbose.err());
        }
    }

    @Test
    void versionOnEveryCommand()
    {
        assertEquals(DurabilityCli.VERSION, cli("--version").out().strip());
        assertEquals(DurabilityCli.VERSION, cli("dump", "--version").out().strip());
    }
}
