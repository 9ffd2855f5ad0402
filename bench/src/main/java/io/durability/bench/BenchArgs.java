package io.durability.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name value} options of the bench's plain mains, over their defaults. */
final class BenchArgs
{
    private BenchArgs()
    {
    }

    /**
     * @param defaults every option the main knows, with its default value, in the order it prints them.
     * @return the defaults with {@code args} applied.
     * @throws IllegalArgumentException for an option the main does not know.
     */
    static Map<String, String> parse(final Map<String, String> defaults, final String[] args)
    {
        final Map<String, String> a = new LinkedHashMap<>(defaults);
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            if (!args[i].startsWith("--") || !a.containsKey(args[i].substring(2)))
            {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + a.keySet());
            }
            a.put(args[i].substring(2), args[i + 1]);
        }
        return a;
    }
}
