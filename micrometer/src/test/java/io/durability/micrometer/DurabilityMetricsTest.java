package io.durability.micrometer;

import io.durability.codec.BytesCodec;
import io.durability.testing.SyncRecordingDirectory;
import io.durability.walog.NextSegment;
import io.durability.walog.WalOptions;
import io.durability.walog.WalTailer;
import io.durability.walog.WalWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class DurabilityMetricsTest
{
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentCapacity(4096)
        .withNextSegment(NextSegment.INLINE);

    /** 100 entries of 100 bytes, a barrier after 60, a named tailer that consumed 40. */
    private static void work(final SyncRecordingDirectory dir, final WalWriter<byte[]> w)
    {
        for (int i = 0; i < 100; i++)
        {
            w.append(new byte[100]);
            if (i == 59)
            {
                w.flushAndSync();
            }
        }
        try (WalTailer<byte[]> t = WalTailer.builder(dir, BytesCodec.INSTANCE).options(OPTIONS).named("indexer").open())
        {
            t.pollFrames((id, b, o, l) -> { }, 40);
            t.commit();
        }
    }

    @Test
    void theMetersReadTheWritersCountersAtEachScrape()
    {
        final SyncRecordingDirectory dir = new SyncRecordingDirectory();
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            work(dir, w);
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new DurabilityMetrics(w, "orders").withNamedTailers(dir).bindTo(registry);
            assertEquals(100, registry.get("durability.wal.appends").tag("wal", "orders").functionCounter().count());
            assertEquals(100 * 128, registry.get("durability.wal.appended").functionCounter().count(), "frames of 124 bytes, 8-aligned");
            assertEquals(w.metrics().rolls(), registry.get("durability.wal.rolls").functionCounter().count());
            assertTrue(w.metrics().rolls() >= 3);
            assertEquals(1, registry.get("durability.wal.barriers").functionTimer().count());
            assertEquals(w.metrics().barrierNanosTotal(), registry.get("durability.wal.barriers").functionTimer()
                .totalTime(TimeUnit.NANOSECONDS), 1.0);
            assertEquals(60, registry.get("durability.wal.acknowledged.entry").gauge().value());
            assertEquals(40, registry.get("durability.wal.durable.lag").gauge().value());
            assertEquals(60, registry.get("durability.tailer.lag").tag("tailer", "indexer").gauge().value(),
                "100 in the WAL, next to deliver 41");
            assertEquals(0, registry.get("durability.wal.poisoned").gauge().value());

            w.append(new byte[1]);
            w.flushAndSync();
            assertEquals(101, registry.get("durability.wal.appends").functionCounter().count(), "read at each scrape");
            assertEquals(0, registry.get("durability.wal.durable.lag").gauge().value());
            assertEquals(61, registry.get("durability.tailer.lag").gauge().value());
        }
    }

    /** The Prometheus text of docs/OBSERVABILITY.md is what a scrape prints: each of its lines is in a real scrape. */
    @Test
    void theDocumentedPrometheusScrapeIsARealOne() throws IOException
    {
        final SyncRecordingDirectory dir = new SyncRecordingDirectory();
        final String scrape;
        try (WalWriter<byte[]> w = WalWriter.create(dir, BytesCodec.INSTANCE, OPTIONS))
        {
            work(dir, w);
            final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new DurabilityMetrics(w, "orders").withNamedTailers(dir).bindTo(registry);
            scrape = registry.scrape();
        }
        final Path doc = Path.of("..", "docs", "OBSERVABILITY.md");
        final List<String> sample = block(Files.readAllLines(doc), "```prometheus");
        assertTrue(sample.size() > 10, "docs/OBSERVABILITY.md has a prometheus block: " + sample.size());
        final List<String> missing = new ArrayList<>();
        for (final String line : sample)
        {
            // Timings vary from run to run: the sample shows them as <time>.
            final String pattern = java.util.regex.Pattern.quote(line).replace("<time>", "\\E[0-9.E-]+\\Q");
            if (scrape.lines().noneMatch(l -> l.matches(pattern)))
            {
                missing.add(line);
            }
        }
        assertTrue(missing.isEmpty(), "lines of docs/OBSERVABILITY.md no scrape printed: " + missing + "\nscrape:\n" + scrape);
    }

    private static List<String> block(final List<String> lines, final String fence)
    {
        final List<String> out = new ArrayList<>();
        boolean in = false;
        for (final String l : lines)
        {
            if (!in && l.equals(fence))
            {
                in = true;
            }
            else if (in && l.equals("```"))
            {
                return out;
            }
            else if (in)
            {
                out.add(l);
            }
        }
        return out;
    }
}
