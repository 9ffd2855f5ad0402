package io.durability.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest
{
    private record Inner(long a, String b)
    {
    }

    private record Outer(String name, List<Inner> items, List<Long> ids)
    {
    }

    @Test
    void stringsAreEscapedPerRfc8259()
    {
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t \\u0000 \\u001f \\b \\f \u00e9 \\u2028\"",
            Json.string(new StringBuilder(), "q\" b\\ n\n r\r t\t \u0000 \u001f \b \f \u00e9 \u2028").toString());
    }

    @Test
    void recordsBecomeObjectsOfTheirComponents()
    {
        assertEquals("{\"name\":\"x\",\"items\":[{\"a\":1,\"b\":\"y\"}],\"ids\":[2,3]}",
            Json.value(new StringBuilder(), new Outer("x", List.of(new Inner(1, "y")), List.of(2L, 3L))).toString());
    }
}
