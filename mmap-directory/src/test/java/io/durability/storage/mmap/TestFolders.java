package io.durability.storage.mmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The mmap tests' view of the shared {@link io.durability.testing.TempFolders}, plus spare-file helpers. */
final class TestFolders
{
    private TestFolders()
    {
    }

    static Path create(final String prefix)
    {
        return io.durability.testing.TempFolders.create(prefix);
    }

    /** Delete a tree without following symbolic links. */
    static void delete(final Path root)
    {
        io.durability.testing.TempFolders.delete(root);
    }

    /** @return the names in {@code folder}, sorted, including hidden spares (unlike Directory.list). */
    static List<String> rawNames(final Path folder)
    {
        try (Stream<Path> s = Files.list(folder))
        {
            final List<String> names = new ArrayList<>();
            s.forEach(p -> names.add(p.getFileName().toString()));
            names.sort(null);
            return names;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return how many names in {@code folder} are prepared spares. */
    static long spares(final Path folder)
    {
        return rawNames(folder).stream().filter(SegmentPreparer::isSpareName).count();
    }

    /** @return the spare files in {@code folder} that another process made (this one's own are not counted). */
    static long sparesOfOtherProcesses(final Path folder)
    {
        final long pid = ProcessHandle.current().pid();
        return rawNames(folder).stream().filter(SegmentPreparer::isSpareName)
            .filter(n -> !n.startsWith(SpareFiles.SPARE_PREFIX + pid + "-") &&
                !n.startsWith(SpareFiles.SPARE_PREFIX + "direct-" + pid + "-"))
            .count();
    }
}
