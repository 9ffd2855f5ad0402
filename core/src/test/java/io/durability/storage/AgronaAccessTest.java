package io.durability.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Without Agrona's one JVM flag, the library fails at first use with our error naming the flag. */
class AgronaAccessTest
{
    /** Entry point of the child JVM: first use of the library. */
    public static final class FirstUse
    {
        public static void main(final String[] args)
        {
            try
            {
                new MemoryDirectory().close();
                System.out.println("OK");
            }
            catch (final DurabilityException ex)
            {
                System.out.println(ex.kind() + " " + ex.getMessage());
            }
        }
    }

    private static String run(final boolean withFlag) throws IOException, InterruptedException
    {
        final String java = System.getProperty("java.home") + "/bin/java";
        final List<String> cmd = new java.util.ArrayList<>(List.of(java));
        if (withFlag)
        {
            cmd.add("--add-exports");
            cmd.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstUse.class.getName()));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    @Test
    void missingFlagFailsAtFirstUseNamingTheFlag() throws Exception
    {
        final String out = run(false);
        assertTrue(out.startsWith("INVALID_CONFIG"), out);
        assertTrue(out.contains("--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"), out);
    }

    @Test
    void withTheFlagTheLibraryWorks() throws Exception
    {
        assertEquals("OK", run(true));
        assertTrue(AgronaAccess.isGranted(), "surefire runs tests with the flag");
    }
}
