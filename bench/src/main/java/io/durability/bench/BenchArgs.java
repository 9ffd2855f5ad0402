package io.durability.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code --name value} options of the bench's plain mains, over their defaults, and their one-line JSON results. */
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

    /** @return {@code out} as one JSON object (strings quoted and escaped, doubles to 3 decimals). */
    static String json(final Map<String, Object> out)
    {
        final StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> e : out.entrySet())
        {
            if (json.length() > 1)
            {
                json.append(", ");
            }
            final Object v = e.getValue();
            json.append('"').append(e.getKey()).append("\": ");
            if (v instanceof String)
            {
                json.append('"').append(((String)v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            else if (v instanceof Double)
            {
                json.append(String.format(Locale.ROOT, "%.3f", (Double)v));
            }
            else
            {
                json.append(v);
            }
        }
        return json.append("}").toString();
    }

    /** Print {@code out} as JSON, and write it to {@code file} too unless that is empty. */
    static void report(final Map<String, Object> out, final String file) throws IOException
    {
        final String json = json(out);
        System.out.println(json);
        if (!file.isEmpty())
        {
            try (PrintStream ps = new PrintStream(Files.newOutputStream(Path.of(file))))
            {
                ps.println(json);
            }
        }
    }
}
