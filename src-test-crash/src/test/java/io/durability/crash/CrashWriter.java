package io.durability.crash;

import io.durability.codec.BytesCodec;
import io.durability.publish.CheckpointPublisher;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.SyncPolicy;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of the crash loop: resumes the WAL in a folder and appends data entries forever,
 * calling {@code flushAndSync} every K entries and only then printing {@code durable <id>}, and
 * publishing a checkpoint (with truncation) every M entries, then printing {@code marker <id>}.
 * It dies by SIGKILL from the parent, or halts itself at an armed crash point.
 *
 * <p>Arguments: folder, syncEvery, publishEvery, segmentCapacity[, policy]. With a policy other than
 * {@code manual} ({@code continuous}, {@code every:<µs>}, {@code entries:<n>:<max delay µs>}) the loop
 * never calls {@code flushAndSync}: the writer's syncer makes entries durable, and its
 * {@link io.durability.walog.DurabilityListener} prints {@code durable <id>} (the ack path).
 */
public final class CrashWriter
{
    private CrashWriter()
    {
    }

    public static void main(final String[] args)
    {
        final Path root = Path.of(args[0]);
        final int syncEvery = Integer.parseInt(args[1]);
        final int publishEvery = Integer.parseInt(args[2]);
        final PrintStream out = System.out;
        final SyncPolicy policy = policy(args.length > 4 ? args[4] : "manual");
        final boolean background = policy.isBackground();
        WalOptions options = WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[3])).withSyncPolicy(policy);
        if (background)
        {
            options = options.withDurabilityListener(id ->
            {
                // PrintStream is synchronized: whole lines beside the main thread's.
                out.println("durable " + id);
                out.flush();
            });
        }
        try (MmapDirectory dir = MmapDirectory.open(root);
            WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, options))
        {
            CrashEntries.State state = CrashLoopTest.spec(options).recoverLatest(dir).state();
            out.println("started " + w.lastEntryId());
            out.flush();
            final CheckpointPublisher<CrashEntries.State, byte[]> publisher = new CheckpointPublisher<>(
                dir, w, CrashEntries.STATE_CODEC, CrashEntries::marker, "checkpoints");
            long sinceSync = 0;
            long sincePublish = 0;
            while (true)
            {
                final long id = w.nextEntryId();
                final byte[] entry = CrashEntries.payload(id);
                w.append(entry);
                state = state.apply(id, entry);
                if (!background && ++sinceSync >= syncEvery)
                {
                    w.flushAndSync();
                    out.println("durable " + w.lastEntryId());
                    out.flush();
                    sinceSync = 0;
                }
                if (++sincePublish >= publishEvery)
                {
                    final long through = w.lastEntryId();
                    final long marker = publisher.publish(state, through).markerEntryId();
                    synchronized (out)
                    {
                        out.println("marker " + marker);
                        out.println("durable " + marker);
                        out.flush();
                    }
                    sincePublish = 0;
                }
            }
        }
    }

    static SyncPolicy policy(final String spec)
    {
        final String[] p = spec.split(":");
        return switch (p[0])
        {
            case "manual" -> SyncPolicy.manual();
            case "continuous" -> SyncPolicy.continuous();
            case "every" -> SyncPolicy.every(Duration.ofNanos(Long.parseLong(p[1]) * 1000));
            case "entries" -> SyncPolicy.everyEntries(Long.parseLong(p[1])).withMaxDelay(Duration.ofNanos(Long.parseLong(p[2]) * 1000));
            default -> throw new IllegalArgumentException("sync policy " + spec);
        };
    }
}
