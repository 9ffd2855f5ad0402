package io.durability.replication.ratis;

import io.durability.codec.Codec;
import io.durability.codec.CodecProvider;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Tools find a replica WAL's codec by ServiceLoader, under the id its segments record. */
class ReplicationCodecsTest
{
    @Test
    void theReplicatedEntryCodecIsOfferedUnderItsName()
    {
        final Map<String, Codec<?>> offered = CodecProvider.discover(getClass().getClassLoader());
        assertSame(ReplicatedEntry.CODEC, offered.get("replicated"), offered.toString());
        assertEquals(ReplicatedEntry.CODEC_ID, offered.get("replicated").id());
        assertTrue(offered.containsKey("walentry"), "core's provider beside it: " + offered);
    }
}
