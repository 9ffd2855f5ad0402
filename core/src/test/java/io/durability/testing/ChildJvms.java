package io.durability.testing;

import io.durability.storage.AgronaAccess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a child JVM running a main class of the test class path (the mmap and cli tests' child processes). */
public final class ChildJvms
{
    private ChildJvms()
    {
    }

    /**
     * @param heap the child's {@code -Xmx} value, e.g. {@code "64m"}.
     * @return {@code java [the Agrona flag] -Xmx<heap> -XX:TieredStopAtLevel=1 -cp <this class path> main args...}.
     */
    public static List<String> command(final Class<?> main, final String heap, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(AgronaAccess.REQUIRED_FLAG.split(" ")));
        // mmap-directory's fallocate(2) through JNA: without it Java 24+ falls back to zero-fill.
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx" + heap);
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        // Surefire may run from a manifest-only jar: its Class-Path entries are honoured here too.
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }
}
