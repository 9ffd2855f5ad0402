package io.durability.cli;

import java.util.Locale;

/**
 * Number formatting for people, fixed to {@link Locale#ROOT} so the output (and the tests and README
 * samples that pin it) does not change with the user's locale.
 */
final class Text
{
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};
    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    private Text()
    {
    }

    /**
     * Append a decoded entry: its {@code toString()}, except that a record with a {@code byte[]} component
     * (whose {@code toString()} is an identity hash) is written {@code Name[a=1, payload=HEX |ASCII|]}.
     */
    static StringBuilder render(final StringBuilder sb, final Object value)
    {
        if (value instanceof byte[] bytes)
        {
            HEX.formatHex(sb, bytes);
            return EntryPrinter.ascii(sb.append(" |"), new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length)
                .append('|');
        }
        if (!(value instanceof Record r) || java.util.Arrays.stream(r.getClass().getRecordComponents())
            .noneMatch(c -> c.getType() == byte[].class))
        {
            return sb.append(value);
        }
        sb.append(r.getClass().getSimpleName()).append('[');
        boolean first = true;
        for (final java.lang.reflect.RecordComponent c : r.getClass().getRecordComponents())
        {
            if (!first)
            {
                sb.append(", ");
            }
            first = false;
            sb.append(c.getName()).append('=');
            try
            {
                render(sb, c.getAccessor().invoke(r));
            }
            catch (final ReflectiveOperationException ex)
            {
                sb.append('?');
            }
        }
        return sb.append(']');
    }

    /** @return {@code 1234567} as {@code 1,234,567}. */
    static String count(final long n)
    {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** @return a byte count with a binary unit: {@code 512 B}, {@code 64.0 KiB}, {@code 1.5 GiB}. */
    static String bytes(final long n)
    {
        if (n < 1024)
        {
            return n + " B";
        }
        double v = n;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1)
        {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
    }

    /** @return a fraction as a whole percentage: {@code 0.456} as {@code 45%}. */
    static String percent(final double fraction)
    {
        return (int)Math.floor(fraction * 100) + "%";
    }

    /** @return a duration in nanoseconds in seconds with one decimal: {@code 3.2 s}. */
    static String seconds(final long nanos)
    {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** @return a formatted number with {@link Locale#ROOT}. */
    static String format(final String format, final Object... args)
    {
        return String.format(Locale.ROOT, format, args);
    }

    /** Append {@code b} as two lower-case hex digits (no allocation: dump streams large payloads). */
    static void appendHex(final StringBuilder sb, final byte b)
    {
        HEX.toHexDigits(sb, b);
    }

    /** @return {@code value} as {@code 0x} and eight hex digits. */
    static String hex32(final int value)
    {
        return String.format(Locale.ROOT, "0x%08x", value);
    }

    /**
     * @return {@code rows} as aligned text lines, indented by two, each column as wide as its widest
     * cell (picocli's text table, with widths taken from the content so that nothing wraps).
     */
    static java.util.List<String> table(final java.util.List<String[]> rows)
    {
        final int columns = rows.get(0).length;
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int c = 0; c < columns; c++)
            {
                widths[c] = Math.max(widths[c], row[c].length() + (c == 0 ? 4 : 2));
            }
        }
        final picocli.CommandLine.Help.Column[] cols = new picocli.CommandLine.Help.Column[columns];
        for (int c = 0; c < columns; c++)
        {
            cols[c] = new picocli.CommandLine.Help.Column(widths[c], c == 0 ? 2 : 0,
                picocli.CommandLine.Help.Column.Overflow.SPAN);
        }
        final picocli.CommandLine.Help.TextTable table =
            picocli.CommandLine.Help.TextTable.forColumns(picocli.CommandLine.Help.Ansi.OFF, cols);
        for (final String[] row : rows)
        {
            table.addRowValues(row);
        }
        final java.util.List<String> lines = new java.util.ArrayList<>();
        for (final String line : table.toString().split("\\R"))
        {
            lines.add(line.stripTrailing());
        }
        return lines;
    }
}
