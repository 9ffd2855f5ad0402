package io.durability.cli;

import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntryCodec;
import org.agrona.DirectBuffer;

import java.io.PrintWriter;

/**
 * Prints one WAL entry per line for {@code dump}: as text or as JSON Lines, decoded with a codec (one a
 * {@link io.durability.codec.CodecProvider} offers, such as {@link WalEntryCodec}, or a class named on the
 * command line) or shown raw as hex with an ASCII column. An entry that does not decode is shown raw with
 * the reason, and counted: one bad payload must not hide the entries after it.
 */
final class EntryPrinter
{
    /** Output formats, named as typed on the command line. */
    enum Format
    {
        text, json
    }

    /** @return a person's name for a recorded codec id. */
    static String codecName(final int id)
    {
        return switch (id)
        {
            case 0 -> "none recorded (raw bytes, or a WAL of format 1 or 2)";
            case io.durability.walog.WalEntryCodec.ID -> "WalEntry (id " + id + ")";
            case 2 -> "ChronicleCodec (id 2)";
            case 3 -> "ReplicatedEntry (id 3)";
            case 4 -> "ReplicaState (id 4)";
            default -> Codecs.offeredName(id).map(name -> name + " (id " + id + ")")
                .orElse("an application codec (id " + id + ")");
        };
    }

    private final PrintWriter out;
    private final Format format;
    /** {@code null}: raw (hex and ASCII). */
    private final io.durability.codec.Codec<?> codec;
    private final StringBuilder line = new StringBuilder(256);
    private long undecodable;

    /**
     * @param codec the codec payloads are decoded with ({@link io.durability.codec.CodecProvider}, or a class
     *              named on the command line), or {@code null} for raw bytes.
     */
    EntryPrinter(final PrintWriter out, final Format format, final io.durability.codec.Codec<?> codec)
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
        Object entry = null;
        String error = null;
        if (codec != null)
        {
            try
            {
                entry = codec.decode(buffer, offset, length);
            }
            catch (final RuntimeException ex)
            {
                // A codec of the user's may fail in any way: the entry is shown raw, the next ones still printed.
                undecodable++;
                error = ex instanceof DurabilityException ? ex.getMessage() : ex.toString();
            }
        }
        if (format == Format.json)
        {
            line.append("{\"id\":").append(id);
            if (entry instanceof Record r)
            {
                Json.string(line.append(",\"entry\":"), entry.getClass().getSimpleName());
                Json.fields(line, r, false);
            }
            else if (entry != null)
            {
                Json.value(line.append(",\"value\":"), entry);
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
                Text.render(line, entry);
            }
            else
            {
                if (error != null)
                {
                    line.append("UNDECODABLE (").append(error).append(")  ");
                }
                hex(line.append(length).append(" bytes  "), buffer, offset, length);
                ascii(line.append("  |"), buffer, offset, length).append('|');
            }
        }
        out.append(line).println();
    }

    /** Printable ASCII as is, every other byte as {@code .}: the column beside a hex dump. */
    static StringBuilder ascii(final StringBuilder sb, final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            final byte b = buffer.getByte(offset + i);
            sb.append(b >= 0x20 && b < 0x7f ? (char)b : '.');
        }
        return sb;
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
