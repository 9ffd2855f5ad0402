package io.durability.walog;

import io.durability.codec.Codec;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalEntry.*;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WalEntryCodecTest
{
    static final List<WalEntry> SAMPLES = List.of(
        new AddSegment(1, 100),
        new AddSegment(Long.MAX_VALUE, WalEntry.MAX_U32),
        new StartMerge(7, List.of(1L, 2L, 3L)),
        new CancelMerge(7, List.of()),
        new EndMerge(7, 9, List.of(1L, 2L), List.of(new DocRef(9, 4), new DocRef(9, 0))),
        new DeleteDocuments(List.of(new DocRef(1, 42), new DocRef(2, 4_000_000_000L))),
        new Checkpoint("checkpoints/cp-1.bin", 1234),
        new Checkpoint("ünïcode/ß.bin", 0));

    private static byte[] encode(final WalEntry e)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final int n = WalEntryCodec.INSTANCE.encode(e, buffer, 3, 1000);
        assertEquals(WalEntryCodec.encodedLength(e), n);
        final byte[] out = new byte[n];
        buffer.getBytes(3, out);
        return out;
    }

    @Test
    void everyVariantRoundTrips()
    {
        for (final WalEntry e : SAMPLES)
        {
            final byte[] bytes = encode(e);
            final UnsafeBuffer padded = new UnsafeBuffer(new byte[bytes.length + 10]);
            padded.putBytes(5, bytes);
            assertEquals(e, WalEntryCodec.INSTANCE.decode(padded, 5, bytes.length));
        }
    }

    @Test
    void encodingIsDeterministicAndPinned()
    {
        for (final WalEntry e : SAMPLES)
        {
            assertArrayEquals(encode(e), encode(e));
        }
        // Pin the layout of one entry byte for byte (docs/FORMAT.md documents it).
        final byte[] add = encode(new AddSegment(0x0102030405060708L, 0x0A0B0C0DL));
        assertArrayEquals(new byte[] {1, 8, 7, 6, 5, 4, 3, 2, 1, 0x0D, 0x0C, 0x0B, 0x0A}, add);
    }

    @Test
    void doesNotFitIsReportedWithoutOverrun()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[12]);
        assertEquals(Codec.DOES_NOT_FIT, WalEntryCodec.INSTANCE.encode(new AddSegment(1, 1), buffer, 0, 12));
        for (int i = 0; i < 12; i++)
        {
            assertEquals(0, buffer.getByte(i));
        }
    }

    @Test
    void outOfRangeFieldsAreEncodeErrors()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(DurabilityException.Kind.ENCODE, assertThrows(DurabilityException.class,
            () -> WalEntryCodec.INSTANCE.encode(new AddSegment(1, WalEntry.MAX_U32 + 1), buffer, 0, 64)).kind());
        assertEquals(DurabilityException.Kind.ENCODE, assertThrows(DurabilityException.class,
            () -> WalEntryCodec.INSTANCE.encode(new AddSegment(-1, 1), buffer, 0, 64)).kind());
    }

    @Test
    void hugeCountIsRejectedBeforeAllocating()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
        buffer.putByte(0, (byte)WalEntryCodec.TAG_DELETE_DOCUMENTS);
        buffer.putInt(1, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN);
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> WalEntryCodec.INSTANCE.decode(buffer, 0, 32));
        assertEquals(DurabilityException.Kind.DECODE, ex.kind());
        assertTrue(ex.getMessage().contains("too short"), ex.getMessage());
    }

    @Test
    void unknownTagTrailingBytesAndBadUtf8AreDecodeErrors()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        buffer.putByte(0, (byte)99);
        assertEquals(DurabilityException.Kind.DECODE,
            assertThrows(DurabilityException.class, () -> WalEntryCodec.INSTANCE.decode(buffer, 0, 1)).kind());
        final byte[] add = encode(new AddSegment(1, 1));
        buffer.putBytes(0, add);
        assertThrows(DurabilityException.class, () -> WalEntryCodec.INSTANCE.decode(buffer, 0, add.length + 1));
        final byte[] cp = encode(new Checkpoint("ab", 1));
        cp[cp.length - 1] = (byte)0xFF;
        buffer.putBytes(0, cp);
        assertThrows(DurabilityException.class, () -> WalEntryCodec.INSTANCE.decode(buffer, 0, cp.length));
        assertThrows(DurabilityException.class, () -> WalEntryCodec.INSTANCE.decode(buffer, 0, 0));
    }
}
