package io.durability.crash;

import io.durability.codec.BytesCodec;
import io.durability.publish.CheckpointPublisher;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The child JVM of the crash loop: resumes the WAL in a folder and appends data entries forever,
 * calling {@code flushAndSync} every K entries and only then printing {@code durable <id>}, and
 * publishing a checkpoint (with truncation) every M entries, then printing {@code marker <id>}.
 * It dies by SIGKILL from the parent, or halts itself at an armed crash point.
 *
 * <p>Arguments: folder, syncEvery, publishEvery, segmentCapacity.
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
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(Integer.parseInt(args[3]));
        final PrintStream out = System.out;
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
                if (++sinceSync >= syncEvery)
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
                    out.println("marker " + marker);
                    out.println("durable " + marker);
                    out.flush();
                    sincePublish = 0;
                }
            }
        }
    }
}
