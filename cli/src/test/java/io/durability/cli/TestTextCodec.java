package io.durability.cli;

import io.durability.codec.Codec;
import io.durability.codec.CodecProvider;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An application's codec as the CLI meets it: UTF-8 text, id 70002, offered as {@code test-text} by {@link Provider}. */
public final class TestTextCodec implements Codec<String>
{
    /** What {@code --codec io.durability.cli.TestTextCodec} finds. */
    public static final TestTextCodec INSTANCE = new TestTextCodec();

    static final int ID = 70002;

    private TestTextCodec()
    {
    }

    @Override
    public int encode(final String value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxLength)
        {
            return DOES_NOT_FIT;
        }
        buffer.putBytes(offset, bytes);
        return bytes.length;
    }

    @Override
    public String decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        if (length > 0 && bytes[0] == '!')
        {
            throw new IllegalArgumentException("a test payload that does not decode");
        }
        return "text:" + new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int id()
    {
        return ID;
    }

    /** The test class path's codec provider (META-INF/services in the test resources). */
    public static final class Provider implements CodecProvider
    {
        /** For ServiceLoader. */
        public Provider()
        {
        }

        @Override
        public Map<String, Codec<?>> codecs()
        {
            return Map.of("test-text", INSTANCE);
        }
    }
}
