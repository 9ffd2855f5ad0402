package io.durability.walog;

import io.durability.storage.DurabilityException;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * When a {@link WalWriter}'s entries are made durable: by the caller alone ({@link #manual()}, the
 * default), or by barriers on a background thread the writer owns (group commit), so that the
 * appending thread keeps appending while a barrier runs. Immutable; the {@code with*} methods return
 * copies.
 *
 * <h2>What a background barrier does</h2>
 * Exactly what {@link WalWriter#flushAndSync()} does, on the writer's syncer thread: it covers every
 * entry appended before it started (the segments sealed since the last barrier, the folder after a
 * roll, the current segment's new bytes and header), then publishes the last id it covered as
 * {@link WalWriter#lastDurableId()}. The appending thread makes no system call for it: the syncer
 * notices new entries by reading what {@code append} publishes (two release stores it makes anyway)
 * and never wakes the appending thread. Barriers never overlap: a {@code flushAndSync} or
 * {@code syncWatermark} called by the writer's own thread runs after the barrier in progress, and both
 * count in {@link WalMetrics#barriers()}.
 *
 * <h2>Policies</h2>
 * <ul>
 *   <li>{@link #manual()}: no background thread; only {@code flushAndSync} (and {@code close}) make
 *   entries durable.</li>
 *   <li>{@link #every(Duration)}: a barrier at most once per interval, when something was appended
 *   since the last one (Kafka's {@code flush.ms}).</li>
 *   <li>{@link #everyEntries(long)} / {@link #everyBytes(long)}: a barrier as soon as that many
 *   entries (or frame bytes) were appended since the last one started (Kafka's
 *   {@code flush.messages}); with {@link #withMaxDelay(Duration)} also once the oldest entry not yet
 *   covered has waited that long.</li>
 *   <li>{@link #continuous()}: group commit: a barrier as soon as the previous one ended, whenever
 *   something is waiting; every entry appended during a barrier rides on the next one.</li>
 * </ul>
 *
 * <h2>Idle polling</h2>
 * While nothing is due, the syncer parks for up to {@link #idlePollNanos()} (default 100 µs; doubled from
 * 10 µs while idle) and looks again: that is the delay, on top of the barrier itself, between an
 * append after a quiet spell and the start of the barrier that covers it, and the price is a
 * wake-up per poll on the syncer's core. A barrier that is due starts without parking.
 */
public final class SyncPolicy
{
    /** The kinds of policy. */
    public enum Kind
    {
        /** Only the caller's {@code flushAndSync}. */
        MANUAL,
        /** A barrier at most once per interval. */
        INTERVAL,
        /** A barrier once this many entries are waiting. */
        ENTRIES,
        /** A barrier once this many frame bytes are waiting. */
        BYTES,
        /** A barrier as soon as the previous one ended. */
        CONTINUOUS
    }

    /** The default {@link #idlePollNanos()}: 100 µs. */
    public static final Duration DEFAULT_IDLE_POLL = Duration.ofNanos(100_000);

    private static final SyncPolicy MANUAL = new SyncPolicy(Kind.MANUAL, 0, 0, DEFAULT_IDLE_POLL.toNanos(), null);

    private final Kind kind;
    /** INTERVAL: nanoseconds; ENTRIES: entries; BYTES: bytes. */
    private final long threshold;
    /** ENTRIES / BYTES: nanoseconds the oldest waiting entry may wait (0: no limit). */
    private final long maxDelayNanos;
    private final long idlePollNanos;
    private final ThreadFactory threadFactory;

    private SyncPolicy(
        final Kind kind, final long threshold, final long maxDelayNanos, final long idlePollNanos,
        final ThreadFactory threadFactory)
    {
        this.kind = kind;
        this.threshold = threshold;
        this.maxDelayNanos = maxDelayNanos;
        this.idlePollNanos = idlePollNanos;
        this.threadFactory = threadFactory;
    }

    /** @return the default: no background barriers; durability only through {@code flushAndSync}. */
    public static SyncPolicy manual()
    {
        return MANUAL;
    }

    /**
     * @param interval the least time between the starts of two background barriers (at least 1 µs).
     * @return a barrier at most once per {@code interval}, when anything was appended since the last.
     * @throws DurabilityException INVALID_CONFIG.
     */
    public static SyncPolicy every(final Duration interval)
    {
        return new SyncPolicy(Kind.INTERVAL, positiveNanos("sync interval", interval, 1_000), 0,
            DEFAULT_IDLE_POLL.toNanos(), null);
    }

    /**
     * @param entries how many appended entries make a barrier due (at least 1).
     * @return a barrier as soon as {@code entries} entries were appended since the last one started.
     * @throws DurabilityException INVALID_CONFIG.
     */
    public static SyncPolicy everyEntries(final long entries)
    {
        return new SyncPolicy(Kind.ENTRIES, positive("entries per barrier", entries), 0, DEFAULT_IDLE_POLL.toNanos(), null);
    }

    /**
     * @param bytes how many appended frame bytes (headers and padding included, as
     *              {@link WalMetrics#bytesAppended()} counts) make a barrier due (at least 1).
     * @return a barrier as soon as that many bytes were appended since the last one started.
     * @throws DurabilityException INVALID_CONFIG.
     */
    public static SyncPolicy everyBytes(final long bytes)
    {
        return new SyncPolicy(Kind.BYTES, positive("bytes per barrier", bytes), 0, DEFAULT_IDLE_POLL.toNanos(), null);
    }

    /** @return group commit: a barrier as soon as the previous one ended, whenever an entry waits. */
    public static SyncPolicy continuous()
    {
        return new SyncPolicy(Kind.CONTINUOUS, 0, 0, DEFAULT_IDLE_POLL.toNanos(), null);
    }

    /**
     * For {@link #everyEntries} and {@link #everyBytes}: also start a barrier once the oldest entry
     * not yet covered has waited {@code maxDelay} (measured from when the syncer first saw it), so a
     * slow trickle of entries becomes durable too.
     *
     * @throws DurabilityException INVALID_CONFIG for another kind of policy, or a delay under 1 µs.
     */
    public SyncPolicy withMaxDelay(final Duration maxDelay)
    {
        if (kind != Kind.ENTRIES && kind != Kind.BYTES)
        {
            throw DurabilityException.invalidConfig("a maximum delay belongs to everyEntries or everyBytes", "ENTRIES or BYTES", kind);
        }
        return new SyncPolicy(kind, threshold, positiveNanos("maximum delay", maxDelay, 1_000), idlePollNanos, threadFactory);
    }

    /**
     * @param idlePoll the longest the syncer parks while nothing is due, at least 1 µs (see the class
     *                 comment).
     * @throws DurabilityException INVALID_CONFIG.
     */
    public SyncPolicy withIdlePoll(final Duration idlePoll)
    {
        return new SyncPolicy(kind, threshold, maxDelayNanos, positiveNanos("idle poll", idlePoll, 1_000), threadFactory);
    }

    /**
     * @param factory makes the syncer thread (to name it, pin it or give it a priority); by default a
     *                daemon thread named {@code durability-syncer-<walDir>}.
     */
    public SyncPolicy withThreadFactory(final ThreadFactory factory)
    {
        return new SyncPolicy(kind, threshold, maxDelayNanos, idlePollNanos, factory);
    }

    /** @return the kind of policy. */
    public Kind kind()
    {
        return kind;
    }

    /** @return whether barriers run on a background thread (every kind but {@link Kind#MANUAL}). */
    public boolean isBackground()
    {
        return kind != Kind.MANUAL;
    }

    /** @return INTERVAL: the interval in nanoseconds; ENTRIES: entries; BYTES: bytes; else 0. */
    public long threshold()
    {
        return threshold;
    }

    /** @return the maximum delay in nanoseconds for ENTRIES and BYTES (0: none). */
    public long maxDelayNanos()
    {
        return maxDelayNanos;
    }

    /** @return the longest idle park of the syncer, in nanoseconds. */
    public long idlePollNanos()
    {
        return idlePollNanos;
    }

    /** @return the syncer's thread factory, or {@code null} for the default. */
    public ThreadFactory threadFactory()
    {
        return threadFactory;
    }

    private static long positive(final String what, final long value)
    {
        if (value < 1)
        {
            throw DurabilityException.invalidConfig(what + " must be at least 1", ">= 1", value);
        }
        return value;
    }

    private static long positiveNanos(final String what, final Duration d, final long minNanos)
    {
        if (d == null || d.isNegative() || d.compareTo(Duration.ofNanos(minNanos)) < 0 || d.compareTo(Duration.ofDays(1)) > 0)
        {
            throw DurabilityException.invalidConfig(what + " out of range", "1 µs .. 1 day", d);
        }
        return d.toNanos();
    }

    @Override
    public String toString()
    {
        switch (kind)
        {
            case MANUAL:
                return "SyncPolicy{manual}";
            case INTERVAL:
                return "SyncPolicy{every " + threshold + " ns}";
            case CONTINUOUS:
                return "SyncPolicy{continuous}";
            default:
                return "SyncPolicy{every " + threshold + (kind == Kind.ENTRIES ? " entries" : " bytes") +
                    (maxDelayNanos == 0 ? "" : ", at most " + maxDelayNanos + " ns") + '}';
        }
    }
}
