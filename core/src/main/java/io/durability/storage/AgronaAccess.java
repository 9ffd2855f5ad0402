package io.durability.storage;

/**
 * Checks, once, that the JVM grants Agrona 2.x the access it needs, and otherwise fails with our
 * own error naming the flag instead of an {@link IllegalAccessError} from deep inside Agrona.
 *
 * <p>The one JVM flag {@code core} needs: {@value #REQUIRED_FLAG}.
 */
public final class AgronaAccess
{
    /** The flag to add to the {@code java} command line. */
    public static final String REQUIRED_FLAG = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    private static final boolean GRANTED = Object.class.getModule()
        .isExported("jdk.internal.misc", AgronaAccess.class.getModule());

    private AgronaAccess()
    {
    }

    /** @return whether {@code jdk.internal.misc} is exported to this library's module. */
    public static boolean isGranted()
    {
        return GRANTED;
    }

    /**
     * @throws DurabilityException INVALID_CONFIG naming {@link #REQUIRED_FLAG} when the export is missing.
     */
    public static void ensure()
    {
        if (!GRANTED)
        {
            throw DurabilityException.invalidConfig("durability uses Agrona 2.x, which needs the JVM flag " + REQUIRED_FLAG +
                " (add it to the java command line, surefire argLine or the jar manifest's Add-Exports)",
                "jdk.internal.misc exported to " + AgronaAccess.class.getModule(), "not exported");
        }
    }
}
