package io.durability;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The line between core's API and its internals: no other module's main code names
 * {@code io.durability.internal} (an import or a qualified name); what they need is public API
 * ({@code io.durability.walog}, {@code io.durability.storage}...) or the documented test hook
 * {@code io.durability.testhook}. Core's own packages use the internals freely.
 */
class InternalLineTest
{
    @Test
    void noOtherModulesMainCodeUsesCoresInternals() throws IOException
    {
        final Path repo = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.exists(repo.resolve("pom.xml")) && Files.isDirectory(repo.resolve("core")),
            "run from core/, the repository one level up: " + repo);
        final List<String> crossings = new ArrayList<>();
        int modules = 0;
        int files = 0;
        try (Stream<Path> children = Files.list(repo))
        {
            for (final Path module : children.sorted().toList())
            {
                final Path main = module.resolve("src/main/java");
                if (module.getFileName().toString().equals("core") || !Files.isDirectory(main))
                {
                    continue;
                }
                modules++;
                try (Stream<Path> sources = Files.walk(main))
                {
                    for (final Path source : sources.filter(p -> p.toString().endsWith(".java")).toList())
                    {
                        files++;
                        final List<String> lines = Files.readAllLines(source);
                        for (int i = 0; i < lines.size(); i++)
                        {
                            if (lines.get(i).contains("io.durability.internal"))
                            {
                                crossings.add(repo.relativize(source) + ":" + (i + 1) + ": " + lines.get(i).trim());
                            }
                        }
                    }
                }
            }
        }
        assertTrue(modules >= 5 && files > 50, "found the other modules' sources: " + modules + " modules, " + files + " files");
        assertEquals(List.of(), crossings, "main code outside core that uses core's internals");
        System.out.printf("internal line: %d modules, %d main source files, none uses io.durability.internal%n", modules, files);
    }
}
