package io.durability.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

/** What every command shares: help, exit codes, one-line errors, --verbose. */
class CliTest
{
    @TempDir
    Path root;

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
    void versionComesFromTheBuildOnEveryCommand()
    {
        // Issue 13, case 6: the version was a string in the code. The build passes its own version here.
        final String built = System.getProperty("durability.build.version");
        assertNotNull(built, "surefire passes durability.build.version");
        assertEquals(built, BuildVersion.version());
        for (final String[] args : new String[][] {{"--version"}, {"dump", "--version"}, {"checkpoint", "show", "--version"}})
        {
            final TestWals.Run r = cli(args);
            assertEquals(ExitCodes.OK, r.exit());
            assertEquals("durability " + built, r.lines().get(0), String.join(" ", args));
            assertTrue(r.lines().get(1).startsWith("Java "), r.out());
        }
    }

    @Test
    void helpSubcommandShowsACommandsHelp()
    {
        // Issue 13, case 6: 'durability help verify' said "Missing required parameter".
        final TestWals.Run r = cli("help", "verify");
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: durability verify ["), r.out());
        assertEquals(cli("verify", "--help").out(), r.out());
        final TestWals.Run top = cli("help");
        assertEquals(ExitCodes.OK, top.exit());
        assertTrue(top.out().contains("help") && top.out().contains("verify"), top.out());
        final TestWals.Run unknown = cli("help", "frobnicate");
        assertNotEquals(ExitCodes.OK, unknown.exit());
    }

    @Test
    void enumOptionsIgnoreCase()
    {
        // Issue 13, case 6: '--format JSON' was rejected.
        TestWals.writeEntries(root, 20);
        final TestWals.Run upper = cli("dump", root.toString(), "--format", "JSON", "--codec", "Raw", "--to", "2");
        assertEquals(ExitCodes.OK, upper.exit(), upper.err());
        assertEquals(cli("dump", root.toString(), "--format", "json", "--codec", "raw", "--to", "2").out(), upper.out());
        assertTrue(upper.out().startsWith("{\"id\":1,"), upper.out());
        assertEquals(ExitCodes.OK, cli("verify", root.toString(), "--progress", "NEVER").exit());
        assertEquals(ExitCodes.USAGE, cli("dump", root.toString(), "--format", "yaml").exit());
    }
}
