package io.durability.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Extracts the code between two marker comment lines of a test source, and checks README.md shows it. */
final class ReadmeSnippets
{
    private ReadmeSnippets()
    {
    }

    /**
     * @return the lines strictly between the line that is exactly {@code begin} (after indentation)
     * and the next line that is exactly {@code end}, dedented. A marker inside a string literal (the
     * constant naming it) is not a marker line.
     */
    static String between(final String source, final String begin, final String end)
    {
        final String[] lines = source.split("\n", -1);
        int from = -1;
        for (int i = 0; i < lines.length; i++)
        {
            if (lines[i].strip().equals(begin))
            {
                from = i + 1;
                break;
            }
        }
        assertTrue(from > 0, "no line '" + begin + "'");
        final StringBuilder block = new StringBuilder();
        for (int i = from; i < lines.length; i++)
        {
            if (lines[i].strip().equals(end))
            {
                return dedent(block.toString());
            }
            block.append(lines[i]).append('\n');
        }
        return fail("no line '" + end + "' after '" + begin + "'");
    }

    /** Assert README.md contains {@code snippet} as a whole java code block, and that it is real code. */
    static void assertReadmeShows(final Path testSource, final String begin, final String end) throws IOException
    {
        final String snippet = between(Files.readString(testSource, StandardCharsets.UTF_8), begin, end);
        assertTrue(snippet.lines().count() >= 5 && snippet.contains(";"), "the snippet is code: " + snippet);
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + snippet + "```"),
            "README.md must contain this java block verbatim:\n```java\n" + snippet + "```");
    }

    static String dedent(final String block)
    {
        final String[] lines = block.split("\n", -1);
        int indent = Integer.MAX_VALUE;
        for (final String line : lines)
        {
            if (!line.isBlank())
            {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        final StringBuilder sb = new StringBuilder();
        for (final String line : lines)
        {
            if (line.isBlank())
            {
                sb.append('\n');
            }
            else
            {
                sb.append(line.substring(indent)).append('\n');
            }
        }
        return sb.toString().strip() + "\n";
    }
}
