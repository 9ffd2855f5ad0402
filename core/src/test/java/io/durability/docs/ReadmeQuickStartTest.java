package io.durability.docs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's quick start, compiled and run: {@code src/test/java/QuickStart.java} is the file the
 * README shows, whole (imports, class, {@code main}), so it compiles as pasted; the test runs it and
 * checks that the README shows exactly that file and what it prints.
 */
class ReadmeQuickStartTest
{
    /** The quick start as a whole file (default package, imports included): what the README shows. */
    private static final Path SOURCE = Path.of("src/test/java/QuickStart.java");

    @Test
    void quickStartRunsAsDocumented() throws Exception
    {
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            // A class in the default package cannot be imported; it is the README's file as pasted.
            Class.forName("QuickStart").getMethod("main", String[].class).invoke(null, (Object)new String[0]);
        }
        finally
        {
            System.setOut(original);
        }
        final List<String> out = captured.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());

        final List<String> expected = List.of(
            "last id 2",
            "batch ids 3..4",
            "4 records, first id 1",
            "1: AddSegment[segmentId=1, docCount=100]",
            "2: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=42]]]",
            "3: AddSegment[segmentId=3, docCount=50]",
            "4: DeleteDocuments[deletes=[DocRef[segmentId=1, docId=10]]]");
        assertEquals(expected, out);
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("It prints:\n\n```\n" + String.join("\n", expected) + "\n```"),
            "README.md must show what the quick start prints");
    }

    @Test
    void readmeShowsTheWholeQuickStartFileWithItsImports() throws IOException
    {
        final String file = Files.readString(SOURCE, StandardCharsets.UTF_8).strip();
        final String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        assertTrue(file.startsWith("import "), "the quick start compiles as pasted: imports first, no package");
        assertTrue(readme.contains("```java\n" + file + "\n```"),
            "README.md must show " + SOURCE + " exactly, imports included");
    }
}
