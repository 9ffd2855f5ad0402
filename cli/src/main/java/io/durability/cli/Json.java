package io.durability.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Just enough JSON for {@code dump --format json}: strings escaped per RFC 8259, numbers, lists and
 * records (as objects of their components, so a new {@code WalEntry} kind needs no code here).
 */
final class Json
{
    private static final java.util.HexFormat HEX = java.util.HexFormat.of();

    private Json()
    {
    }

    /** Append {@code s} as a JSON string: quotes, backslashes and control characters escaped. */
    static StringBuilder string(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default ->
                {
                    // U+2028/2029 are valid JSON but break JavaScript line splitting: escape them too.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029')
                    {
                        sb.append("\\u").append(HEX.toHexDigits(c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** Append a value: null, boolean, number, string, list, or record. */
    static StringBuilder value(final StringBuilder sb, final Object v)
    {
        if (v == null)
        {
            return sb.append("null");
        }
        if (v instanceof Number || v instanceof Boolean)
        {
            return sb.append(v);
        }
        if (v instanceof List<?> list)
        {
            sb.append('[');
            for (int i = 0; i < list.size(); i++)
            {
                value(i == 0 ? sb : sb.append(','), list.get(i));
            }
            return sb.append(']');
        }
        if (v instanceof byte[] bytes)
        {
            return HEX.formatHex(sb.append('"'), bytes).append('"');
        }
        if (v instanceof Record r)
        {
            sb.append('{');
            fields(sb, r, true);
            return sb.append('}');
        }
        return string(sb, v.toString());
    }

    /** Append a record's components as {@code "name":value} pairs, comma-first unless {@code first}. */
    static StringBuilder fields(final StringBuilder sb, final Record r, final boolean first)
    {
        boolean needComma = !first;
        for (final RecordComponent c : r.getClass().getRecordComponents())
        {
            if (needComma)
            {
                sb.append(',');
            }
            needComma = true;
            string(sb, c.getName()).append(':');
            value(sb, component(r, c));
        }
        return sb;
    }

    private static Object component(final Record r, final RecordComponent c)
    {
        try
        {
            return c.getAccessor().invoke(r);
        }
        catch (final IllegalAccessException | InvocationTargetException ex)
        {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), ex);
        }
    }
}
