package io.durability.codec.chronicle;

import io.durability.storage.DurabilityException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Decoding damaged bytes with a {@link ChronicleCodec} is our own DECODE error, never a read outside
 * the payload. Each case runs in a child JVM: before the fix, the fuzz-found input crashed the JVM
 * (SIGSEGV), which in this JVM would have killed the test run instead of failing a test.
 */
class ChronicleDecodeSafetyTest
{
    /** Found by fuzzing: a Trade's long and double, then an 8-bit string whose stop-bit length is 2^28 - 1. */
    static final String FUZZ_FOUND = "0100000000000000000000000000f03fffffff7f41";
    private static final long SEED = Long.getLong("chronicle.seed", 0xC0DECL);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theFuzzFoundInputIsADecodeErrorOnHeapAndDirectBuffers() throws Exception
    {
        final String out = runChild("found", "0");
        assertTrue(out.contains("heap: DECODE") && out.contains("direct: DECODE"), out);
        System.out.println("chronicle decode safety: the fuzz-found 21 bytes: heap and direct DECODE, no crash");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void seededMutationsOfValidEncodingsAreDecodedOrRefusedNeverACrash() throws Exception
    {
        final String out = runChild("fuzz", String.valueOf(SEED));
        assertTrue(out.contains("fuzz done"), out);
        System.out.println("chronicle decode safety: " + out.lines().filter(l -> l.startsWith("fuzz done")).findFirst().orElse(out));
    }

    private static String runChild(final String mode, final String seed) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle") || arg.startsWith("--enable-native-access"))
            {
                command.add(arg);
            }
        }
        command.add("-Xmx256m");
        // A crash (what this test guards against) writes its report to the temporary folder, not the module.
        command.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "durability-chronicle-hs_err_%p.log"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChronicleDecodeSafetyTest.class.getName());
        command.add(mode);
        command.add(seed);
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "the child finished");
        assertEquals(0, p.exitValue(), () -> "the child JVM died (exit " + p.exitValue() + ", 134 = a crash): seed " + seed +
            "\n" + out);
        return out;
    }

    /** The child: {@code found} decodes the fuzz-found input; {@code fuzz SEED} decodes mutations. */
    public static void main(final String[] args)
    {
        final ChronicleCodec<ChronicleCodecTest.Trade> trades = new ChronicleCodec<>(ChronicleCodecTest.Trade::new);
        if (args[0].equals("found"))
        {
            final byte[] bytes = HexFormat.of().parseHex(FUZZ_FOUND);
            System.out.println("heap: " + outcome(trades, new UnsafeBuffer(bytes), bytes.length));
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(bytes.length));
            direct.putBytes(0, bytes);
            System.out.println("direct: " + outcome(trades, direct, bytes.length));
            return;
        }
        final long seed = Long.parseLong(args[1]);
        final SplittableRandom random = new SplittableRandom(seed);
        final ChronicleCodec<ChronicleCodecTest.Book> books = new ChronicleCodec<>(ChronicleCodecTest.Book::new);
        final byte[] trade = encode(trades, new ChronicleCodecTest.Trade(7, 1.5, "ACME-LONG-SYMBOL"));
        final ChronicleCodecTest.Book book = new ChronicleCodecTest.Book();
        book.apply(new ChronicleCodecTest.Trade(1, 2.0, "A")).apply(new ChronicleCodecTest.Trade(2, 3.0, "BBBBBBBB"));
        final byte[] bookBytes = encode(books, book);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++)
        {
            final boolean isTrade = (i & 1) == 0;
            final byte[] b = (isTrade ? trade : bookBytes).clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--)
            {
                final int at = random.nextInt(b.length);
                // Mostly bytes with the stop bit set: they make the long lengths that read outside.
                b[at] = (byte)(random.nextInt(4) == 0 ? random.nextInt(256) : 0x80 | random.nextInt(128));
            }
            final UnsafeBuffer buffer;
            if ((i & 2) == 0)
            {
                buffer = new UnsafeBuffer(b);
            }
            else
            {
                buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(b.length));
                buffer.putBytes(0, b);
            }
            final String outcome = isTrade ? outcome(trades, buffer, b.length) : outcome(books, buffer, b.length);
            if (outcome.equals("decoded"))
            {
                decoded++;
            }
            else if (outcome.equals("DECODE"))
            {
                refused++;
            }
            else
            {
                System.out.println("seed " + seed + " mutation " + i + " (" + HexFormat.of().formatHex(b) + "): " + outcome);
                System.exit(1);
            }
        }
        System.out.println("fuzz done: seed=" + seed + " mutations=20000 decoded=" + decoded + " refused(DECODE)=" + refused +
            " other=0 crashes=0");
    }

    private static <T extends net.openhft.chronicle.bytes.BytesMarshallable> byte[] encode(final ChronicleCodec<T> codec, final T value)
    {
        final byte[] buffer = new byte[256];
        final int n = codec.encode(value, new UnsafeBuffer(buffer), 0, buffer.length);
        return java.util.Arrays.copyOf(buffer, n);
    }

    private static <T extends net.openhft.chronicle.bytes.BytesMarshallable> String outcome(
        final ChronicleCodec<T> codec, final UnsafeBuffer buffer, final int length)
    {
        try
        {
            codec.decode(buffer, 0, length);
            return "decoded";
        }
        catch (final DurabilityException ex)
        {
            return ex.kind() == DurabilityException.Kind.DECODE ? "DECODE" : "wrong kind " + ex;
        }
        catch (final RuntimeException | Error ex)
        {
            return "foreign " + ex;
        }
    }
}
