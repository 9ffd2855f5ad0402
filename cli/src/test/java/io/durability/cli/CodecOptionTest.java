package io.durability.cli;

import io.durability.codec.CodecProvider;
import io.durability.walog.WalEntryCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.durability.cli.TestWals.cli;
import static org.junit.jupiter.api.Assertions.*;

/** dump --codec: codecs found by ServiceLoader, named, or loaded by class name; hex and ASCII when none decodes. */
class CodecOptionTest
{
    @TempDir
    Path root;

    private void writeText(final String... values)
    {
        TestWals.withWriter(root, TestTextCodec.INSTANCE, w ->
        {
            for (final String v : values)
            {
                w.append(v);
            }
        });
    }

    @Test
    void theProvidersOnTheClassPathAreFound()
    {
        final Map<String, io.durability.codec.Codec<?>> offered = CodecProvider.discover(getClass().getClassLoader());
        assertSame(WalEntryCodec.INSTANCE, offered.get("walentry"), offered.toString());
        assertSame(TestTextCodec.INSTANCE, offered.get("test-text"), offered.toString());
    }

    @Test
    void autoDecodesWithTheOfferedCodecWhoseIdTheWalRecords()
    {
        writeText("alpha", "beta");
        final TestWals.Run r = cli("dump", root.toString());
        assertEquals(ExitCodes.OK, r.exit(), r.err());
        assertEquals(List.of("1  text:alpha", "2  text:beta"), r.lines());
        final TestWals.Run json = cli("dump", root.toString(), "--format", "json", "--to", "1");
        assertEquals("{\"id\":1,\"value\":\"text:alpha\"}", json.out().strip());
        assertEquals(r.out(), cli("dump", root.toString(), "--codec", "TEST-TEXT").out(), "by name, in any case");
        assertEquals(r.out(), cli("dump", root.toString(), "--codec", TestTextCodec.class.getName()).out(), "by class");
    }

    @Test
    void rawShowsHexWithAnAsciiColumnAndAPayloadThatDoesNotDecodeIsShownRaw()
    {
        writeText("ok", "!bad\u0001");
        final TestWals.Run raw = cli("dump", root.toString(), "--codec", "raw");
        assertEquals(List.of("1  2 bytes  6f6b  |ok|", "2  5 bytes  2162616401  |!bad.|"), raw.lines());
        final TestWals.Run auto = cli("dump", root.toString());
        assertEquals("1  text:ok", auto.lines().get(0));
        assertTrue(auto.lines().get(1).startsWith("2  UNDECODABLE (java.lang.IllegalArgumentException: a test payload " +
            "that does not decode)  5 bytes  2162616401  |!bad.|"), auto.lines().get(1));
    }

    @Test
    void anUnknownOrWrongCodecIsRefusedNamingWhatIsOffered()
    {
        writeText("x");
        final TestWals.Run unknown = cli("dump", root.toString(), "--codec", "nosuch");
        assertEquals(ExitCodes.USAGE, unknown.exit());
        assertTrue(unknown.err().contains("--codec nosuch: no such codec; the class path offers ") &&
            unknown.err().contains("walentry") && unknown.err().contains("test-text"), unknown.err());
        final TestWals.Run notACodec = cli("dump", root.toString(), "--codec", "java.lang.String");
        assertEquals(ExitCodes.USAGE, notACodec.exit());
        assertTrue(notACodec.err().contains("not a io.durability.codec.Codec"), notACodec.err());
        final TestWals.Run missing = cli("dump", root.toString(), "--codec", "com.example.Nope");
        assertEquals(ExitCodes.USAGE, missing.exit());
        assertTrue(missing.err().contains("no such class on the class path"), missing.err());
        final TestWals.Run wrong = cli("dump", root.toString(), "--codec", "walentry");
        assertEquals(ExitCodes.USAGE, wrong.exit());
        assertTrue(wrong.err().contains("the WAL records its codec as test-text (id 70002), not WalEntry"),
            wrong.err());
        assertTrue(cli("inspect", root.toString()).out().contains("codec: test-text (id 70002)"), "inspect names it too");
    }
}
