package io.durability.micrometer;

import io.durability.storage.Directory;
import io.durability.walog.WalMetrics;
import io.durability.walog.WalTailer;
import io.durability.walog.WalWriter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * A Micrometer {@link MeterBinder} for one WAL writer: what {@link WalWriter#metrics()} counts, its
 * directory's spare preparation ({@link #withMmapDirectory}), and the lag of its named tailers
 * ({@link #withNamedTailers}). Every meter reads the writer's counters when the registry is scraped
 * (release/acquire loads; nothing is added to {@code append}), and carries the tag {@code wal} (the name
 * given here) beside the registry's common tags.
 *
 * <p>Meters ({@code durability.} prefix; Prometheus renders dots as underscores and adds {@code _total} to
 * counters):
 * <ul>
 *   <li>{@code wal.appends}, {@code wal.appended} (bytes of frames), {@code wal.rolls},
 *   {@code wal.rolls.without.spare} (rolls that found no segment named ahead): counters;</li>
 *   <li>{@code wal.barriers}: a function timer (count and total time of completed durability barriers),
 *   {@code wal.barrier.max}: the longest, a time gauge;</li>
 *   <li>{@code wal.last.entry}, {@code wal.acknowledged.entry}: the last id appended and the last id a barrier
 *   made durable; {@code wal.durable.lag}: appended but not yet durable, in entries;</li>
 *   <li>{@code wal.poisoned} (1 once a failed barrier poisoned the writer), {@code wal.repaired} (1 when resume
 *   changed anything);</li>
 *   <li>{@code mmap.segments.created}, {@code mmap.segments.from.spare}, {@code mmap.segments.allocated.inline},
 *   {@code mmap.spare.waits} (timer), {@code mmap.spare.failures}: with {@link #withMmapDirectory};</li>
 *   <li>{@code tailer.lag} (tag {@code tailer}): entries the WAL holds beyond a named tailer's committed
 *   position, one gauge per name that had committed when {@link #bindTo} ran: with {@link #withNamedTailers}.</li>
 * </ul>
 * Thread-safe to scrape from any thread while the writer appends. Bind it once per writer.
 */
public final class DurabilityMetrics implements MeterBinder
{
    private final WalWriter<?> writer;
    private final String name;
    private io.durability.storage.mmap.MmapDirectory mmap;
    private Directory tailerDirectory;

    /**
     * @param writer the writer to read.
     * @param name   the value of the {@code wal} tag (e.g. the WAL's purpose: "orders").
     */
    public DurabilityMetrics(final WalWriter<?> writer, final String name)
    {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** @param directory the writer's {@code MmapDirectory}, whose spare preparation to meter. @return this. */
    public DurabilityMetrics withMmapDirectory(final io.durability.storage.mmap.MmapDirectory directory)
    {
        this.mmap = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /**
     * @param directory the directory holding the writer's WAL, where named tailers store their positions
     *                  ({@link WalTailer#positions}).
     * @return this.
     */
    public DurabilityMetrics withNamedTailers(final Directory directory)
    {
        this.tailerDirectory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    @Override
    public void bindTo(final MeterRegistry registry)
    {
        final Tags tags = Tags.of(Tag.of("wal", name));
        final WalWriter<?> w = writer;
        counter(registry, "durability.wal.appends", "entries appended", tags, m -> m.appends(), null);
        counter(registry, "durability.wal.appended", "bytes of frames appended", tags, m -> m.bytesAppended(),
            BaseUnits.BYTES);
        counter(registry, "durability.wal.rolls", "rolls to a new segment", tags, m -> m.rolls(), null);
        counter(registry, "durability.wal.rolls.without.spare", "rolls that found no segment named ahead", tags,
            m -> m.rollsWithoutSpare(), null);
        FunctionTimer.builder("durability.wal.barriers", w, x -> x.metrics().barriers(),
                x -> x.metrics().barrierNanosTotal(), TimeUnit.NANOSECONDS)
            .description("completed durability barriers").tags(tags).register(registry);
        TimeGauge.builder("durability.wal.barrier.max", w, TimeUnit.NANOSECONDS, x -> x.metrics().barrierNanosMax())
            .description("the longest durability barrier").tags(tags).register(registry);
        gauge(registry, "durability.wal.last.entry", "the last entry id appended", tags, m -> m.lastEntryId());
        gauge(registry, "durability.wal.acknowledged.entry", "the last entry id a barrier made durable", tags,
            m -> m.acknowledgedEntryId());
        gauge(registry, "durability.wal.durable.lag", "entries appended, not yet durable", tags,
            m -> Math.max(0, m.lastEntryId() - m.acknowledgedEntryId()));
        gauge(registry, "durability.wal.poisoned", "1 once a failed barrier poisoned the writer", tags,
            m -> m.poisoned() ? 1 : 0);
        gauge(registry, "durability.wal.repaired", "1 when resume changed anything", tags, m -> m.repaired() ? 1 : 0);
        if (mmap != null)
        {
            bindMmap(registry, tags, mmap);
        }
        if (tailerDirectory != null)
        {
            for (final String tailer : WalTailer.positions(tailerDirectory, w.options()).keySet())
            {
                Gauge.builder("durability.tailer.lag", w, x -> tailerLag(x, tailer))
                    .description("entries the WAL holds beyond a named tailer's committed position")
                    .tags(tags.and("tailer", tailer)).baseUnit("entries").register(registry);
            }
        }
    }

    /** One tailer's lag: its own position file read, not every tailer's (one gauge per name). */
    private double tailerLag(final WalWriter<?> w, final String tailer)
    {
        final long next = WalTailer.position(tailerDirectory, w.options(), tailer);
        return next == 0 ? Double.NaN : Math.max(0, w.metrics().lastEntryId() - next + 1);
    }

    private static void bindMmap(
        final MeterRegistry registry, final Tags tags, final io.durability.storage.mmap.MmapDirectory d)
    {
        FunctionCounter.builder("durability.mmap.segments.created", d, x -> x.metrics().segmentsCreated())
            .description("segment files created").tags(tags).register(registry);
        FunctionCounter.builder("durability.mmap.segments.from.spare", d, x -> x.metrics().fromSpares())
            .description("segments taken from a prepared spare").tags(tags).register(registry);
        FunctionCounter.builder("durability.mmap.segments.allocated.inline", d, x -> x.metrics().allocatedInline())
            .description("segments allocated on the calling thread (no spare ready)").tags(tags).register(registry);
        FunctionTimer.builder("durability.mmap.spare.waits", d, x -> x.metrics().spareWaits(),
                x -> x.metrics().spareWaitNanos(), TimeUnit.NANOSECONDS)
            .description("waits for a spare still being prepared").tags(tags).register(registry);
        FunctionCounter.builder("durability.mmap.spare.failures", d, x -> x.metrics().spareFailures())
            .description("spare preparations that failed").tags(tags).register(registry);
    }

    private void counter(
        final MeterRegistry registry, final String meter, final String description, final Tags tags,
        final ToDoubleFunction<WalMetrics> value, final String unit)
    {
        FunctionCounter.builder(meter, writer, x -> value.applyAsDouble(x.metrics()))
            .description(description).tags(tags).baseUnit(unit).register(registry);
    }

    private void gauge(
        final MeterRegistry registry, final String meter, final String description, final Tags tags,
        final ToDoubleFunction<WalMetrics> value)
    {
        Gauge.builder(meter, writer, x -> value.applyAsDouble(x.metrics()))
            .description(description).tags(tags).register(registry);
    }
}
