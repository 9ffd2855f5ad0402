import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.WalEntry;
import io.durability.walog.WalEntryCodec;
import io.durability.walog.WalInspector;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * For docs/cli-samples.sh: a crash image of the demo's WAL. Resumes the WAL in args[0], appends 20
 * entries without syncing them and copies the WAL folder to args[1] while the writer is still open
 * (what a crash at that moment leaves), then closes the writer. Prints the final segment's path and
 * where its data ended before the 20 entries (the durable watermark the clean close had left). Run with the CLI jar on the class path:
 * {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp cli/target/durability.jar docs/TornImage.java FROM TO}.
 */
public final class TornImage
{
    public static void main(final String[] args) throws Exception
    {
        final Path from = Path.of(args[0]);
        final Path to = Path.of(args[1]);
        final WalOptions options = WalOptions.defaults().withSegmentCapacity(1 << 20);
        try (MmapDirectory dir = MmapDirectory.open(from);
            WalWriter<WalEntry> w = WalWriter.resume(dir, WalEntryCodec.INSTANCE, options))
        {
            final var reports = WalInspector.inspect(dir, options);
            final var last = reports.get(reports.size() - 1);
            System.out.println(last.path() + " " + last.bytesUsed());
            for (int i = 0; i < 20; i++)
            {
                w.append(new WalEntry.AddSegment(w.nextEntryId(), i));
            }
            copy(from, to);
        }
    }

    private static void copy(final Path from, final Path to) throws Exception
    {
        try (Stream<Path> all = Files.walk(from))
        {
            for (final Path p : (Iterable<Path>)all::iterator)
            {
                if (p.getFileName().toString().equals(".lock"))
                {
                    continue;
                }
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
