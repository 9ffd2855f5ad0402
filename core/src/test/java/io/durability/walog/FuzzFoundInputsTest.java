package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import org.junit.jupiter.api.Test;

import io.durability.internal.frame.SegmentDescriptor;
import io.durability.recordlog.RecordLogWriter;
import io.durability.testing.Damage;
import io.durability.testing.PowerLossDirectory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/** Inputs that fuzzing the public decoders found, each kept as it was found, each now our own error. */
class FuzzFoundInputsTest
{
    /**
     * A 120-byte segment whose one data frame ends at its capacity, in the room writers keep for the
     * seal. It read as CLEAN, and {@code resume} then {@code append} rolled and wrote the seal past the
     * end ({@code IndexOutOfBoundsException}). Now the frame is corruption: resume refuses and changes
     * nothing.
     */
    @Test
    void aDataFrameInTheSealsRoomIsCorruptionNotAnIndexOutOfBounds()
    {
        final byte[] segment = HexFormat.of().parseHex(
            "445552424c5345470300000001000000010000000000000001000000000000006745230178000000862c24b800000000" +
            "00000000093f56ac000000000000000038000000c21fe58b010000000000000001009da5674523010000000000000000" +
            "000000000000000000000000000000000000000000000000");
        assertEquals(120, segment.length);
        try (MemoryDirectory dir = new MemoryDirectory())
        {
            dir.createDirectories("wal");
            dir.atomicWrite(WalLayout.segmentPath("wal", 1), segment);
            final DurabilityException ex = assertThrows(DurabilityException.class,
                () -> WalWriter.resume(dir, BytesCodec.INSTANCE).close());
            assertTrue(ex.getMessage().contains("room kept for the seal"), ex.getMessage());
            assertEquals(WalLayout.segmentPath("wal", 1), ex.file());
            assertEquals(64, ex.offset());
            assertArrayEquals(segment, dir.readFile(WalLayout.segmentPath("wal", 1), 1 << 20), "resume changed nothing");
            final DurabilityException strict = assertThrows(DurabilityException.class,
                () -> new WalReader<>(dir, BytesCodec.INSTANCE).replay(ReplayMode.STRICT));
            assertTrue(strict.getMessage().contains("room kept for the seal"), "replay gives the same verdict: " + strict.getMessage());
            assertEquals(64, strict.offset());
        }
    }

    /**
     * A frame given another salt with a valid CRC (what a recycled file's earlier life leaves), followed
     * by good frames of the segment. It read as the end of data, and {@code resume} then appended over
     * it without zeroing what followed, so the next strict read failed ("frame padding is not zero"):
     * resume corrupted the WAL (found in about 1 in 7 000 mutated WALs and record logs). Frames of this
     * segment after it prove it is damage: every reader now says so, and resume changes nothing.
     */
    @Test
    void aFrameWithAnotherSaltFollowedByFramesOfTheSegmentIsCorruptionAndResumeChangesNothing()
    {
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(64 * 1024).withSaltSeed(11);
        final String segment = WalLayout.segmentPath(options.walDir(), 1);
        // A process crash after the appends: no watermark claims the frames, so only the frames themselves judge.
        final PowerLossDirectory live = new PowerLossDirectory();
        final WalWriter<byte[]> w = WalWriter.create(live, BytesCodec.INSTANCE, options);
        for (int i = 1; i <= 60; i++)
        {
            w.append(payload(i));
        }
        try (PowerLossDirectory dir = live.processCrash())
        {
            final Damage.FrameSpan f = Damage.frames(dir, segment, SegmentDescriptor.KIND_WAL_SEGMENT).get(19);
            resalt(dir, segment, f);
            final byte[] before = dir.readFile(segment, 1 << 20);
            final DurabilityException resumed = assertThrows(DurabilityException.class,
                () -> WalWriter.resume(dir, BytesCodec.INSTANCE, options).close());
            assertTrue(resumed.getMessage().contains("another salt"), resumed.getMessage());
            assertEquals(f.offset(), resumed.offset());
            assertArrayEquals(before, dir.readFile(segment, 1 << 20), "resume changed nothing");
            for (final ReplayMode mode : ReplayMode.values())
            {
                final DurabilityException replay = assertThrows(DurabilityException.class,
                    () -> new WalReader<>(dir, BytesCodec.INSTANCE, options).replay(mode), mode.toString());
                assertTrue(replay.getMessage().contains("another salt"), mode + ": " + replay.getMessage());
            }
        }
        final PowerLossDirectory liveLog = new PowerLossDirectory();
        final RecordLogWriter log = RecordLogWriter.create(liveLog, "records.log", 64 * 1024);
        for (int i = 1; i <= 60; i++)
        {
            log.append(payload(i));
        }
        try (PowerLossDirectory dir = liveLog.processCrash())
        {
            final Damage.FrameSpan f = Damage.frames(dir, "records.log", SegmentDescriptor.KIND_RECORD_LOG).get(19);
            resalt(dir, "records.log", f);
            final byte[] before = dir.readFile("records.log", 1 << 20);
            final DurabilityException opened = assertThrows(DurabilityException.class,
                () -> RecordLogWriter.open(dir, "records.log", 64 * 1024).close());
            assertTrue(opened.getMessage().contains("another salt"), opened.getMessage());
            assertArrayEquals(before, dir.readFile("records.log", 1 << 20), "open changed nothing");
        }
    }

    private static byte[] payload(final int i)
    {
        final byte[] b = new byte[40 + i % 17];
        for (int k = 0; k < b.length; k++)
        {
            b[k] = (byte)(i * 31 + k);
        }
        return b;
    }

    /** Give the frame another salt and a CRC that is valid for it. */
    private static void resalt(final io.durability.storage.Directory dir, final String path, final Damage.FrameSpan f)
    {
        final byte[] frame = Damage.read(dir, path, f.offset(), f.offset() + f.length());
        final ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(20, b.getInt(20) ^ 0x5A5A5A5A);
        final CRC32C crc = new CRC32C();
        crc.update(frame, 8, f.length() - 8);
        b.putInt(4, (int)crc.getValue());
        Damage.write(dir, path, f.offset(), frame);
    }
}
