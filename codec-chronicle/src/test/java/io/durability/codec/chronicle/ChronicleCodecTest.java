package io.durability.codec.chronicle;

import io.durability.checkpoint.CheckpointFile;
import io.durability.recover.Recovered;
import io.durability.recover.RecoverySpec;
import io.durability.storage.Directory;
import io.durability.storage.DurabilityException;
import io.durability.storage.MemoryDirectory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalReader;
import io.durability.walog.WalRecord;
import io.durability.walog.WalWriter;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesMarshallable;
import net.openhft.chronicle.bytes.BytesOut;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ChronicleCodecTest
{
    /** A WAL entry type written with Chronicle's binary primitives. */
    static final class Trade implements BytesMarshallable
    {
        long id;
        double price;
        String symbol;

        Trade()
        {
        }

        Trade(final long id, final double price, final String symbol)
        {
            this.id = id;
            this.price = price;
            this.symbol = symbol;
        }

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeLong(id);
            out.writeDouble(price);
            out.write8bit(symbol);
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            id = in.readLong();
            price = in.readDouble();
            symbol = in.read8bit();
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Trade t && t.id == id && t.price == price && Objects.equals(t.symbol, symbol);
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(id);
        }

        @Override
        public String toString()
        {
            return "Trade{" + id + "," + price + "," + symbol + "}";
        }
    }

    /** A checkpoint state: a position per symbol, written in a stable order. */
    static final class Book implements BytesMarshallable
    {
        final java.util.TreeMap<String, Double> notional = new java.util.TreeMap<>();

        @Override
        public void writeMarshallable(final BytesOut<?> out)
        {
            out.writeInt(notional.size());
            notional.forEach((s, v) ->
            {
                out.write8bit(s);
                out.writeDouble(v);
            });
        }

        @Override
        public void readMarshallable(final BytesIn<?> in)
        {
            notional.clear();
            final int n = in.readInt();
            if (n < 0 || n > in.readRemaining())
            {
                throw new IllegalStateException("bad count " + n);
            }
            for (int i = 0; i < n; i++)
            {
                notional.put(in.read8bit(), in.readDouble());
            }
        }

        Book apply(final Trade t)
        {
            notional.merge(t.symbol, t.price, Double::sum);
            return this;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Book b && b.notional.equals(notional);
        }

        @Override
        public int hashCode()
        {
            return notional.hashCode();
        }
    }

    private static List<Trade> trades(final int n)
    {
        final SplittableRandom r = new SplittableRandom(3);
        final List<Trade> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            out.add(new Trade(i, r.nextInt(10_000) / 100.0, List.of("AAPL", "MSFT", "NVDA").get(r.nextInt(3))));
        }
        return out;
    }

    @Test
    void walEntriesAreWrittenInPlaceAndReplayed()
    {
        final Directory dir = new MemoryDirectory();
        final List<Trade> trades = trades(500);
        final WalOptions small = WalOptions.defaults().withSegmentCapacity(4096);
        try (WalWriter<Trade> w = WalWriter.create(dir, new ChronicleCodec<>(Trade::new), small))
        {
            trades.forEach(w::append);
            assertTrue(w.currentSegmentId() > 1, "rolled across segments");
        }
        final List<WalRecord<Trade>> replayed = new WalReader<>(dir, new ChronicleCodec<>(Trade::new), small).replay();
        assertEquals(trades.size(), replayed.size());
        for (int i = 0; i < trades.size(); i++)
        {
            assertEquals(trades.get(i), replayed.get(i).payload());
            assertEquals(i + 1, replayed.get(i).entryId());
        }
    }

    @Test
    void segmentsRecordTheChronicleCodecIdAndAnotherCodecIsRefused()
    {
        final Directory dir = new MemoryDirectory();
        final WalOptions small = WalOptions.defaults().withSegmentCapacity(4096);
        assertEquals(2, ChronicleCodec.ID);
        assertEquals(ChronicleCodec.ID, new ChronicleCodec<>(Trade::new).id());
        assertEquals(0x54524144, new ChronicleCodec<>(Trade::new, 0x54524144).id());
        try (WalWriter<Trade> w = WalWriter.create(dir, new ChronicleCodec<>(Trade::new), small))
        {
            trades(300).forEach(w::append);
            assertTrue(w.currentSegmentId() > 1, "rolled across segments");
        }
        assertEquals(ChronicleCodec.ID, WalReader.recordedCodecId(dir, small));
        for (final io.durability.walog.WalInspector.SegmentReport r : io.durability.walog.WalInspector.inspect(dir, small))
        {
            assertEquals(ChronicleCodec.ID, r.codecId(), r.path());
        }
        final DurabilityException asWalEntries = assertThrows(DurabilityException.class,
            () -> new WalReader<>(dir, io.durability.walog.WalEntryCodec.INSTANCE, small).replay());
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, asWalEntries.kind(), asWalEntries.getMessage());
        assertEquals("wal/wal-1.seg", asWalEntries.file());
        final DurabilityException otherType = assertThrows(DurabilityException.class,
            () -> WalWriter.resume(dir, new ChronicleCodec<>(Trade::new, 0x54524144), small));
        assertEquals(DurabilityException.Kind.INVALID_CONFIG, otherType.kind(), otherType.getMessage());
        assertEquals(300, new WalReader<>(dir, io.durability.codec.BytesCodec.INSTANCE, small).replay().size());
    }

    @Test
    void checkpointAndRecoveryEndToEnd()
    {
        final Directory dir = new MemoryDirectory();
        final List<Trade> trades = trades(100);
        final ChronicleCodec<Book> bookCodec = new ChronicleCodec<>(Book::new);
        try (WalWriter<Trade> w = WalWriter.create(dir, new ChronicleCodec<>(Trade::new)))
        {
            trades.forEach(w::append);
        }
        final Book atSixty = new Book();
        trades.subList(0, 60).forEach(atSixty::apply);
        CheckpointFile.write(dir, "cp/book.chk", 60, atSixty, bookCodec);
        CheckpointFile.write(dir, "cp/again.chk", 60, atSixty, bookCodec);
        assertArrayEquals(dir.readFile("cp/book.chk", 1 << 20), dir.readFile("cp/again.chk", 1 << 20), "deterministic");
        assertEquals(atSixty, CheckpointFile.read(dir, "cp/book.chk", bookCodec).state());

        final Recovered<Book> r = RecoverySpec.<Book, Book, Trade>of(bookCodec, new ChronicleCodec<>(Trade::new),
            c -> c.orElseGet(Book::new), (book, id, t) -> book.apply(t)).recoverFrom(dir, "cp/book.chk");
        final Book expected = new Book();
        trades.forEach(expected::apply);
        assertEquals(expected, r.state());
        assertEquals(100, r.lastEntryId());
        assertEquals(40, r.replayed());
    }

    @Test
    void directAndHeapBuffersEncodeTheSameBytes()
    {
        final Trade t = new Trade(7, 1.5, "X");
        final ChronicleCodec<Trade> codec = new ChronicleCodec<>(Trade::new);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[64]);
        final int n1 = codec.encode(t, direct, 5, 50);
        final int n2 = codec.encode(t, heap, 5, 50);
        assertEquals(n1, n2);
        for (int i = 0; i < 64; i++)
        {
            assertEquals(heap.getByte(i), direct.getByte(i), "byte " + i);
        }
        assertEquals(t, codec.decode(direct, 5, n1));
        assertEquals(t, codec.decode(heap, 5, n2));
    }

    @Test
    void valueLargerThanTheRoomDoesNotFitAndWritesNothingOutside()
    {
        final ChronicleCodec<Trade> codec = new ChronicleCodec<>(Trade::new);
        final Trade big = new Trade(1, 2, "S".repeat(30));
        for (int room = 0; room <= 48; room++)
        {
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
            final UnsafeBuffer heap = new UnsafeBuffer(new byte[128]);
            for (final UnsafeBuffer b : List.of(direct, heap))
            {
                final int n = codec.encode(big, b, 8, room);
                assertTrue(n == -1 || n <= room, "room " + room + " wrote " + n);
                for (int i = 0; i < 128; i++)
                {
                    if (i < 8 || i >= 8 + room)
                    {
                        assertEquals(0, b.getByte(i), "byte " + i + " outside a room of " + room);
                    }
                }
            }
        }
    }

    @Test
    void garbageIsADecodeError()
    {
        final ChronicleCodec<Book> codec = new ChronicleCodec<>(Book::new);
        final SplittableRandom r = new SplittableRandom(11);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        for (int i = 0; i < 200; i++)
        {
            final int n = r.nextInt(64);
            for (int j = 0; j < n; j++)
            {
                direct.putByte(j, (byte)r.nextInt());
            }
            try
            {
                codec.decode(direct, 0, n);
            }
            catch (final DurabilityException expected)
            {
                assertEquals(DurabilityException.Kind.DECODE, expected.kind());
            }
        }
    }
}
