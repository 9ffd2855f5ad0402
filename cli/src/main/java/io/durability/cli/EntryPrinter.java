package io.durability.cli;

import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import org.agrona.DirectBuffer;

import java.io.PrintWriter;

/**
 * Prints one WAL entry per line for {@code dump}: as text or as JSON Lines, decoded with
 * {@link WalEntryCodec} or shown raw as hex. An entry that does not decode is shown as hex with the
 * reason, and counted: one bad payload must not hide the entries after it.
 */
final class EntryPrinter
{
    /** Output formats, named as typed on the command line. */
    enum Format
    {
        text, json
    }

    /** Payload codecs, named as typed on the command line. */
    enum Codec
    {
        /** The codec the WAL records in its segment headers (format 3): WalEntry, or raw for any other. */
        auto,
        walentry,
        raw
    }

    /** @return a person's name for a recorded codec id. */
    static String codecName(final int id)
    {
        return switch (id)
        {
            case 0 -> "none recorded (raw bytes, or a WAL of format 1 or 2)";
            case io.durability.walog.WalEntryCodec.ID -> "WalEntry (id " + id + ")";
            case 2 -> "ChronicleCodec (id 2)";
            default -> "an application codec (id " + id + ")";
        };
    }

    private final PrintWriter out;
    private final Format format;
    private final Codec codec;
    private final StringBuilder line = new StringBuilder(256);
    private long undecodable;

    EntryPrinter(final PrintWriter out, final Format format, final Codec codec)
    {
        this.out = out;
        this.format = format;
        this.codec = codec;
    }

    /** @return how many entries did not decode with the chosen codec. */
    long undecodable()
    {
        return undecodable;
    }

    /** Print entry {@code id}, whose payload is {@code [offset, offset + length)} of {@code buffer}. */
    void print(final long id, final DirectBuffer buffer, final int offset, final int length)
    {
        line.setLength(0);
        WalEntry entry = null;
        String error = null;
        if (codec == Codec.walentry)
        {
            try
            {
                entry = WalEntryCodec.INSTANCE.decode(buffer, offset, length);
            }
            catch (final DurabilityException ex)
            {
                undecodable++;
                error = ex.getMessage();
            }
        }
        if (format == Format.json)
        {
            line.append("{\"id\":").append(id);
            if (entry != null)
            {
                Json.string(line.append(",\"entry\":"), entry.getClass().getSimpleName());
                Json.fields(line, (Record)entry, false);
            }
            else
            {
                line.append(",\"length\":").append(length).append(",\"hex\":\"");
                hex(buffer, offset, length).append('"');
                if (error != null)
                {
                    Json.string(line.append(",\"error\":"), error);
                }
            }
            line.append('}');
        }
        else
        {
            line.append(id).append("  ");
            if (entry != null)
            {
                line.append(entry);
            }
            else
            {
                if (error != null)
                {
                    line.append("UNDECODABLE (").append(error).append(")  ");
                }
                hex(line.append(length).append(" bytes  "), buffer, offset, length);
            }
        }
        out.append(line).println();
    }

    private StringBuilder hex(final DirectBuffer buffer, final int offset, final int length)
    {
        return hex(line, buffer, offset, length);
    }

    private static StringBuilder hex(final StringBuilder sb, final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            Text.appendHex(sb, buffer.getByte(offset + i));
        }
        return sb;
    }
}
