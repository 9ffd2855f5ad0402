package io.durability.codec;

import io.durability.walog.WalEntryCodec;

import java.util.Map;

/** The codecs core offers to tools ({@link CodecProvider}): {@code walentry}. */
public final class CoreCodecs implements CodecProvider
{
    /** For {@link java.util.ServiceLoader}. */
    public CoreCodecs()
    {
    }

    @Override
    public Map<String, Codec<?>> codecs()
    {
        return Map.of("walentry", WalEntryCodec.INSTANCE);
    }
}
