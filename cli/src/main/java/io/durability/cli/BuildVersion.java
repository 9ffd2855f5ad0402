package io.durability.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** {@code --version}: the version the build wrote into {@code version.properties}, never a string in the code. */
final class BuildVersion implements IVersionProvider
{
    /** @return the project version this tool was built as, e.g. {@code 0.1.0-SNAPSHOT}. */
    static String version()
    {
        try (InputStream in = BuildVersion.class.getResourceAsStream("version.properties"))
        {
            if (in == null)
            {
                return "unknown (no version.properties on the class path)";
            }
            final Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public String[] getVersion()
    {
        return new String[] {"durability " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
