package io.durability.recordlog;

import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import io.durability.walog.ReplayMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RecordLogProperties
{
    @Provide
    Arbitrary<List<byte[]>> records()
    {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(200).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 200, seed = "20261203")
    void bestEffortReturnsAPrefixWhenTailSectorsAreLost(
        @ForAll("records") final List<byte[]> records,
        @ForAll @IntRange(min = 0, max = 100_000) final int cutSeed,
        @ForAll final boolean zeroInsteadOfTruncate)
    {
        // After a crash, a record log whose sectors from any boundary on were lost reads best-effort as
        // a prefix of what was appended; a truncated file is corruption in every mode, never a prefix.
        final MemoryDirectory dir = new MemoryDirectory();
        final byte[] crashImage;
        try (RecordLogWriter w = RecordLogWriter.create(dir, "log", 16 * 1024))
        {
            for (final byte[] r : records)
            {
                w.append(r);
            }
            crashImage = Damage.read(dir, "log", 0, 16 * 1024);
        }
        Damage.write(dir, "log", 0, crashImage);
        final int end = Damage.dataEnd(dir, "log", SegmentDescriptor.KIND_RECORD_LOG);
        if (zeroInsteadOfTruncate)
        {
            final int cut = (cutSeed % (end / Damage.SECTOR + 1)) * Damage.SECTOR;
            Damage.zero(dir, "log", cut, 16 * 1024);
            final List<byte[]> got = RecordLogReader.read(dir, "log", ReplayMode.BEST_EFFORT);
            assertTrue(got.size() <= records.size());
            for (int i = 0; i < got.size(); i++)
            {
                assertArrayEquals(records.get(i), got.get(i));
            }
        }
        else
        {
            dir.truncate("log", cutSeed % (16 * 1024));
            assertThrows(io.durability.storage.DurabilityException.class,
                () -> RecordLogReader.read(dir, "log", ReplayMode.BEST_EFFORT));
        }
    }
}
