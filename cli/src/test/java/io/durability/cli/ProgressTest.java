package io.durability.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest
{
    private static final String LINE = "dump [#######-----------------------] 25% 1.0 KiB / 4.0 KiB";

    @Test
    void barRedrawsInPlaceAndErasesItselfWhenDone()
    {
        final StringWriter sink = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(sink), "dump", 4096, Text::bytes))
        {
            p.update(1024);
            assertEquals("\r" + LINE, sink.toString(), "the first update draws at once");
            p.update(2048);
            assertEquals("\r" + LINE, sink.toString(), "redraws are throttled");
        }
        assertEquals("\r" + LINE + "\r" + " ".repeat(LINE.length()) + "\r", sink.toString());
    }

    @Test
    void drawsNothingWithoutATerminal()
    {
        final StringWriter sink = new StringWriter();
        try (Progress p = new Progress(null, "dump", 10, Text::count))
        {
            p.advance(5);
            p.draw(System.nanoTime());
        }
        assertEquals("", sink.toString());
    }
}
