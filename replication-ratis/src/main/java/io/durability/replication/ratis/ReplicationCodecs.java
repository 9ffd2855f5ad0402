package io.durability.replication.ratis;

import io.durability.codec.Codec;
import io.durability.codec.CodecProvider;

import java.util.Map;

/** The codecs replication offers to tools ({@link CodecProvider}): {@code replicated}, a replica WAL's entries. */
public final class ReplicationCodecs implements CodecProvider
{
    /** For {@link java.util.ServiceLoader}. */
    public ReplicationCodecs()
    {
    }

    @Override
    public Map<String, Codec<?>> codecs()
    {
        return Map.of("replicated", ReplicatedEntry.CODEC);
    }
}
