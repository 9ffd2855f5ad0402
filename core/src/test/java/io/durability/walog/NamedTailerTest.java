package io.durability.walog;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.testing.Damage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A named tailer resumes where its last commit left it; one open tailer per name; a damaged position is an error. */
class NamedTailerTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096);

    private final MemoryDirectory dir = new MemoryDirectory();
    private final WalWriter<byte[]> writer = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS);

    @AfterEach
    void close()
    {
        writer.close();
        dir.close();
    }

    private void append(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            final long id = writer.nextEntryId();
            writer.append(("e" + id).getBytes(StandardCharsets.UTF_8));
        }
    }

    private WalTailer.Builder<byte[]> named(final String name)
    {
        return WalTailer.builder(dir, BytesCodec.INSTANCE).options(OPTIONS).named(name);
    }

    private static List<Long> poll(final WalTailer<byte[]> t, final int limit)
    {
        final List<Long> ids = new ArrayList<>();
        t.poll((id, e) ->
        {
            assertEquals("e" + id, new String(e, StandardCharsets.UTF_8));
            ids.add(id);
        }, limit);
        return ids;
    }

    @Test
    void resumesAfterTheLastCommitAndRedeliversWhatWasNotCommitted()
    {
        append(100);
        try (WalTailer<byte[]> t = named("indexer").open())
        {
            assertEquals("indexer", t.name());
            assertEquals(30, poll(t, 30).size());
            t.commit();
            assertEquals(List.of(31L, 32L, 33L, 34L, 35L), poll(t, 5), "polled, never committed");
        }
        assertEquals(Map.of("indexer", 31L), WalTailer.positions(dir, OPTIONS));
        try (WalTailer<byte[]> t = named("indexer").open())
        {
            assertEquals(31, t.nextEntryId(), "at least once: the uncommitted entries come again");
            assertEquals(70, poll(t, 1000).size());
            t.commit();
        }
        append(10);
        try (WalTailer<byte[]> t = named("indexer").from(WalTailer.FIRST).open())
        {
            assertEquals(List.of(101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L, 110L), poll(t, 1000),
                "a stored position wins over from()");
        }
    }

    @Test
    void aNewNameStartsAtFromAndNamesAreIndependent()
    {
        append(20);
        try (WalTailer<byte[]> a = named("a").from(WalTailer.END).open();
            WalTailer<byte[]> b = named("b").open())
        {
            assertTrue(poll(a, 100).isEmpty(), "END: only what is appended later");
            assertEquals(20, poll(b, 100).size());
            append(1);
            assertEquals(List.of(21L), poll(a, 100));
            a.commit();
            b.commit();
        }
        assertEquals(Map.of("a", 22L, "b", 21L), WalTailer.positions(dir, OPTIONS));
        assertEquals(22L, WalTailer.position(dir, OPTIONS, "a"));
        assertEquals(0L, WalTailer.position(dir, OPTIONS, "never"), "no position: 0");
    }

    @Test
    void oneOpenTailerPerName()
    {
        append(5);
        try (WalTailer<byte[]> t = named("only").open())
        {
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> named("only").open());
            assertEquals(DurabilityException.Kind.LOCK_FAILED, ex.kind());
            assertTrue(ex.getMessage().contains("a tailer named 'only' is open already"), ex.getMessage());
            assertEquals(5, poll(t, 10).size());
        }
        try (WalTailer<byte[]> again = named("only").open())
        {
            assertEquals(1, again.nextEntryId(), "closing released the name; nothing was committed");
        }
    }

    @Test
    void aDamagedPositionIsAnErrorNamingTheFileNeverAGuess()
    {
        append(5);
        try (WalTailer<byte[]> t = named("x").open())
        {
            poll(t, 3);
            t.commit();
        }
        final String path = TailerPositions.path(OPTIONS.walDir(), "x");
        for (int offset : new int[] {0, 9, 17, 25})
        {
            final byte[] good = dir.readFile(path, 64);
            Damage.flipByte(dir, path, offset);
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> named("x").open());
            assertEquals(DurabilityException.Kind.FORMAT, ex.kind(), ex.getMessage());
            assertTrue(ex.getMessage().contains(path), ex.getMessage());
            dir.atomicWrite(path, good);
        }
        try (WalTailer<byte[]> t = named("x").open())
        {
            assertEquals(4, t.nextEntryId(), "restored");
        }
    }

    @Test
    void badNamesAndUnnamedCommitsAreRefused()
    {
        for (final String bad : new String[] {"", "Upper", "../up", "a/b", ".hidden", "x".repeat(65)})
        {
            assertThrows(DurabilityException.class, () -> named(bad), bad);
        }
        append(1);
        try (WalTailer<byte[]> t = WalTailer.builder(dir, BytesCodec.INSTANCE).options(OPTIONS).open())
        {
            assertNull(t.name());
            final DurabilityException ex = assertThrows(DurabilityException.class, t::commit);
            assertEquals(DurabilityException.Kind.INVALID_STATE, ex.kind());
        }
    }

    @Test
    void thePositionFileIsTheDocumentedBytes()
    {
        final byte[] bytes = TailerPositions.encode(12345, 1_700_000_000_000L);
        assertEquals(32, bytes.length);
        assertEquals("DTPOS", new String(bytes, 0, 5, StandardCharsets.US_ASCII));
        assertEquals(1, bytes[5], "version");
        assertEquals(12345, TailerPositions.decode("p", bytes));
        assertEquals(12345, java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8));
    }
}
