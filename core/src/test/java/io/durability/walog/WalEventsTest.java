package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import io.durability.testing.FaultInjectingDirectory;
import io.durability.testing.SyncRecordingDirectory;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The JFR events: recorded with their fields when a recording enables them, and only then. */
class WalEventsTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096)
        .withNextSegment(NextSegment.INLINE);

    @TempDir
    Path tmp;

    private List<RecordedEvent> record(final Runnable work) throws Exception
    {
        final Path file = tmp.resolve("events-" + System.nanoTime() + ".jfr");
        try (Recording recording = new Recording())
        {
            for (final String name : new String[] {"io.durability.Barrier", "io.durability.Roll", "io.durability.Repair",
                "io.durability.Poisoned"})
            {
                recording.enable(name).withThreshold(java.time.Duration.ZERO);
            }
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().startsWith("io.durability.")).collect(Collectors.toList());
    }

    private static List<RecordedEvent> named(final List<RecordedEvent> events, final String name)
    {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }

    @Test
    void barriersAndRollsAreRecordedWithTheirFields() throws Exception
    {
        final SyncRecordingDirectory dir = new SyncRecordingDirectory();
        final List<RecordedEvent> events = record(() ->
        {
            try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
            {
                for (int i = 0; i < 100; i++)
                {
                    w.append(new byte[100]);
                }
                w.flushAndSync();
            }
        });
        final List<RecordedEvent> rolls = named(events, "io.durability.Roll");
        assertTrue(rolls.size() >= 2, "100 entries of 124 bytes in 4 KiB segments roll: " + rolls.size());
        final RecordedEvent roll = rolls.get(0);
        assertEquals("wal", roll.getString("walDir"));
        assertEquals(2, roll.getLong("segmentId"));
        assertTrue(roll.getLong("startEntryId") > 1);
        assertTrue(roll.getBoolean("namedAhead"), "INLINE names the next segment ahead");
        final List<RecordedEvent> barriers = named(events, "io.durability.Barrier");
        assertFalse(barriers.isEmpty());
        assertTrue(barriers.stream().anyMatch(b -> b.getLong("durableEntryId") == 100), "the flushAndSync covered 100");
        assertTrue(barriers.stream().allMatch(b -> b.getLong("bytes") >= 0 && !b.getDuration().isNegative()));
    }

    @Test
    void aRepairAtResumeAndAPoisonedWriterAreRecorded() throws Exception
    {
        final MemoryDirectory memory = new MemoryDirectory();
        final java.util.Map<String, byte[]> image;
        try (WalWriter<byte[]> w = WalWriter.create(memory, BytesCodec.INSTANCE, OPTIONS))
        {
            final byte[] payload = new byte[50];
            java.util.Arrays.fill(payload, (byte)7); // not zeros: a torn sector must change the frame
            for (int i = 0; i < 10; i++)
            {
                w.append(payload);
            }
            image = Damage.capture(memory, "wal");
        }
        Damage.restore(memory, "wal", image);
        final String last = Damage.finalSegment(memory, "wal");
        Damage.tearFrame(memory, last, Damage.lastFrameCrossingASector(memory, last,
            io.durability.internal.frame.SegmentDescriptor.KIND_WAL_SEGMENT));
        final RepairReport[] report = new RepairReport[1];
        final List<RecordedEvent> repairs = named(record(() ->
        {
            try (WalWriter<byte[]> w = WalWriter.resume(memory, BytesCodec.INSTANCE, OPTIONS))
            {
                report[0] = w.repairReport();
            }
        }), "io.durability.Repair");
        assertTrue(report[0].changedAnything(), report[0].describe());
        assertEquals(1, repairs.size(), repairs.toString());
        assertTrue(repairs.get(0).getString("report").contains("torn tail"), repairs.get(0).getString("report"));

        final FaultInjectingDirectory faulty = new FaultInjectingDirectory(new SyncRecordingDirectory());
        final List<RecordedEvent> poisoned = named(record(() ->
        {
            try (WalWriter<byte[]> w = WalWriter.create(faulty, BytesCodec.INSTANCE, OPTIONS))
            {
                w.append(new byte[10]);
                faulty.failOn(FaultInjectingDirectory.Op.SYNC, 0);
                assertThrows(DurabilityException.class, w::flushAndSync);
            }
            catch (final DurabilityException ex)
            {
                // close() of a poisoned writer refuses too
            }
        }), "io.durability.Poisoned");
        assertEquals(1, poisoned.size());
        assertEquals("wal", poisoned.get(0).getString("walDir"));
    }

    @Test
    void withoutARecordingNothingIsRecordedAndTheTypesAreOff()
    {
        assertFalse(WalEvents.BARRIER_TYPE.isEnabled());
        assertFalse(WalEvents.ROLL_TYPE.isEnabled());
    }
}
