package io.durability.checkpoint;

import io.durability.recover.SegmentIndexCodec;
import io.durability.recover.SegmentIndexState;
import io.durability.storage.CrcMismatchException;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Checkpoint files on any Directory (subclasses supply one). */
public abstract class CheckpointContractTest
{
    protected Directory dir;

    /** @return a fresh, empty directory. */
    protected abstract Directory newDirectory();

    @BeforeEach
    void openDirectory()
    {
        dir = newDirectory();
    }

    @AfterEach
    void closeDirectory()
    {
        dir.close();
    }

    static SegmentIndexState sample()
    {
        return SegmentIndexState.of(List.of(
            new SegmentIndexState.Segment(3, 100, List.of(1L, 7L)),
            new SegmentIndexState.Segment(9, 5, List.of())));
    }

    private void writeCheckpoint(final String path)
    {
        if (dir.supportsDurability())
        {
            CheckpointFile.writeDurable(dir, path, 42, sample(), SegmentIndexCodec.INSTANCE);
        }
        else
        {
            CheckpointFile.write(dir, path, 42, sample(), SegmentIndexCodec.INSTANCE);
        }
    }

    private DurabilityException readFails(final String path)
    {
        return assertThrows(DurabilityException.class, () -> CheckpointFile.read(dir, path, SegmentIndexCodec.INSTANCE));
    }

    private void rewrite(final String path, final java.util.function.UnaryOperator<byte[]> change)
    {
        dir.atomicWrite(path, change.apply(dir.readFile(path, 1 << 20)));
    }

    @Test
    void roundTrip()
    {
        writeCheckpoint("cp/a.chk");
        final Checkpoint<SegmentIndexState> cp = CheckpointFile.read(dir, "cp/a.chk", SegmentIndexCodec.INSTANCE);
        assertEquals(42, cp.lastAppliedId());
        assertEquals(sample(), cp.state());
        final CheckpointInfo info = CheckpointFile.inspect(dir, "cp/a.chk", 1024);
        assertEquals(42, info.lastAppliedId());
        assertEquals(1, info.formatVersion());
        assertEquals(dir.fileLength("cp/a.chk") - CheckpointDescriptor.HEADER_LENGTH, info.payloadLength());
    }

    @Test
    void equalStatesGiveEqualBytes()
    {
        writeCheckpoint("a.chk");
        final SegmentIndexState sameStateBuiltInAnotherOrder = new SegmentIndexState();
        sameStateBuiltInAnotherOrder.putSegment(9, 5);
        sameStateBuiltInAnotherOrder.putSegment(3, 100);
        sameStateBuiltInAnotherOrder.delete(3, 7);
        sameStateBuiltInAnotherOrder.delete(3, 1);
        CheckpointFile.write(dir, "b.chk", 42, sameStateBuiltInAnotherOrder, SegmentIndexCodec.INSTANCE);
        assertArrayEquals(dir.readFile("a.chk", 4096), dir.readFile("b.chk", 4096));
    }

    /**
     * Encoding into a reused array gives the bytes a fresh array gets, whatever the array held
     * before (a larger checkpoint's bytes), and the array is reused only when it is large enough.
     */
    @Test
    void encodingIntoAReusedArrayGivesTheBytesOfAFreshOne()
    {
        final SegmentIndexState large = new SegmentIndexState();
        for (long id = 1; id <= 50; id++)
        {
            large.putSegment(id, 1000 + id);
            large.delete(id, id * 3);
        }
        final byte[] fresh = CheckpointFile.encode(7, large, SegmentIndexCodec.INSTANCE, 1 << 20);
        final CheckpointFile.Encoded first = CheckpointFile.encode(7, large, SegmentIndexCodec.INSTANCE, 1 << 20, null);
        assertArrayEquals(fresh, Arrays.copyOf(first.bytes(), first.length()));
        final byte[] dirty = new byte[first.bytes().length + 100];
        Arrays.fill(dirty, (byte)0x5A);
        final CheckpointFile.Encoded reused = CheckpointFile.encode(7, large, SegmentIndexCodec.INSTANCE, 1 << 20, dirty);
        assertSame(dirty, reused.bytes(), "large enough: reused");
        assertArrayEquals(fresh, Arrays.copyOf(reused.bytes(), reused.length()));
        // A smaller state into the same array, which now holds the larger one's bytes.
        final CheckpointFile.Encoded small = CheckpointFile.encode(42, sample(), SegmentIndexCodec.INSTANCE, 1 << 20, dirty);
        assertSame(dirty, small.bytes());
        assertArrayEquals(CheckpointFile.encode(42, sample(), SegmentIndexCodec.INSTANCE, 1 << 20),
            Arrays.copyOf(small.bytes(), small.length()));
        final CheckpointFile.Encoded grown = CheckpointFile.encode(7, large, SegmentIndexCodec.INSTANCE, 1 << 20, new byte[16]);
        assertArrayEquals(fresh, Arrays.copyOf(grown.bytes(), grown.length()), "too short: a new array");
        // Written through the directory from the reused array: read back as the state it holds.
        if (dir.supportsDurability())
        {
            dir.atomicWriteDurable("r.chk", small.bytes(), small.length());
            Arrays.fill(dirty, (byte)0);
            final Checkpoint<SegmentIndexState> back = CheckpointFile.read(dir, "r.chk", SegmentIndexCodec.INSTANCE);
            assertEquals(sample(), back.state(), "the directory kept nothing of the caller's array");
            assertEquals(42, back.lastAppliedId());
        }
        assertEquals(Kind.ENCODE, assertThrows(DurabilityException.class,
            () -> CheckpointFile.encode(-1, sample(), SegmentIndexCodec.INSTANCE, 1 << 20, dirty)).kind());
    }

    @Test
    void durableWriteNeedsStableStorage()
    {
        if (dir.supportsDurability())
        {
            CheckpointFile.writeDurable(dir, "d.chk", 1, sample(), SegmentIndexCodec.INSTANCE);
            assertEquals(1, CheckpointFile.read(dir, "d.chk", SegmentIndexCodec.INSTANCE).lastAppliedId());
        }
        else
        {
            assertEquals(Kind.NOT_SUPPORTED, assertThrows(DurabilityException.class,
                () -> CheckpointFile.writeDurable(dir, "d.chk", 1, sample(), SegmentIndexCodec.INSTANCE)).kind());
        }
    }

    @Test
    void shortFile()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b -> Arrays.copyOf(b, 10));
        final DurabilityException ex = readFails("c.chk");
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("shorter than its header"), ex.getMessage());
    }

    @Test
    void truncatedPayload()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b -> Arrays.copyOf(b, b.length - 3));
        final DurabilityException ex = readFails("c.chk");
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("truncated"), ex.getMessage());
    }

    @Test
    void oversizedFileIsRefusedBeforeReading()
    {
        writeCheckpoint("c.chk");
        final DurabilityException ex = assertThrows(DurabilityException.class,
            () -> CheckpointFile.read(dir, "c.chk", SegmentIndexCodec.INSTANCE, 8));
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("larger than the payload cap"), ex.getMessage());
    }

    @Test
    void hugeLengthFieldIsRefusedBeforeAllocating()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b ->
        {
            final ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            bb.putInt(CheckpointDescriptor.PAYLOAD_LENGTH_OFFSET, Integer.MAX_VALUE);
            final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(b, 0, CheckpointDescriptor.HEADER_CRC_OFFSET);
            bb.putInt(CheckpointDescriptor.HEADER_CRC_OFFSET, (int)crc.getValue());
            return b;
        });
        final DurabilityException ex = readFails("c.chk");
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("exceeds the cap"), ex.getMessage());
    }

    @Test
    void wrongMagic()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b ->
        {
            b[0] = 'X';
            return b;
        });
        final DurabilityException ex = readFails("c.chk");
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("bad magic"), ex.getMessage());
    }

    @Test
    void wrongVersion()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b ->
        {
            b[CheckpointDescriptor.VERSION_OFFSET] = 9;
            return b;
        });
        final DurabilityException ex = readFails("c.chk");
        assertEquals(Kind.FORMAT, ex.kind());
        assertTrue(ex.getMessage().contains("unsupported checkpoint format version"), ex.getMessage());
        assertEquals("1", ex.expected());
        assertEquals("9", ex.found());
    }

    @Test
    void corruptPayload()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b ->
        {
            b[b.length - 1] ^= 1;
            return b;
        });
        final DurabilityException ex = readFails("c.chk");
        assertInstanceOf(CrcMismatchException.class, ex);
        assertTrue(ex.getMessage().contains("payload CRC"), ex.getMessage());
    }

    @Test
    void corruptHeader()
    {
        writeCheckpoint("c.chk");
        rewrite("c.chk", b ->
        {
            b[CheckpointDescriptor.LAST_APPLIED_ID_OFFSET] ^= 1;
            return b;
        });
        final DurabilityException ex = readFails("c.chk");
        assertInstanceOf(CrcMismatchException.class, ex);
        assertTrue(ex.getMessage().contains("header CRC"), ex.getMessage());
    }

    @Test
    void missingFile()
    {
        assertEquals(Kind.NOT_FOUND, readFails("none.chk").kind());
    }

    @Test
    void aCodecFailureIsAnEncodeErrorAndWritesNothing()
    {
        final io.durability.codec.Codec<Long> broken = new io.durability.codec.Codec<>()
        {
            @Override
            public int encode(final Long value, final org.agrona.MutableDirectBuffer buffer, final int offset,
                final int maxLength)
            {
                buffer.putLong(buffer.capacity(), value); // outside the buffer: IndexOutOfBoundsException
                return 8;
            }

            @Override
            public Long decode(final org.agrona.DirectBuffer buffer, final int offset, final int length)
            {
                return buffer.getLong(offset);
            }
        };
        final io.durability.storage.DurabilityException ex = assertThrows(
            io.durability.storage.DurabilityException.class, () -> CheckpointFile.write(dir, "broken.chk", 1, 7L, broken));
        assertEquals(io.durability.storage.DurabilityException.Kind.ENCODE, ex.kind());
        assertFalse(dir.exists("broken.chk"));
    }
}
