package io.durability.cli;

import io.durability.codec.Codec;
import io.durability.codec.DirectBufferCodec;
import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.NextSegment;
import io.durability.walog.WalInspector;
import io.durability.walog.WalOptions;
import io.durability.walog.WalSalvage;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code durability salvage DIR --into NEWDIR}: every entry {@link WalSalvage} can read from the WAL in
 * DIR, written in order into a new WAL in an empty NEWDIR (payload bytes as they were, the codec id the
 * source records), made durable, with each loss and the id mapping printed. The source is never
 * changed. The new WAL's ids run from 1 without gaps (a WAL's ids are consecutive), so an entry after a
 * loss gets a new id: the mapping says which.
 */
@Command(name = "salvage", mixinStandardHelpOptions = true,
    description = {
        "Copy every entry that can still be read from the WAL in DIR into a new WAL in NEWDIR, reading past",
        "damage from the next frame whose length, CRC, salt and id check out, and print what was lost (entry",
        "ids, file, byte range) and how ids map (the new WAL's ids run from 1 without gaps). DIR is never",
        "changed. Not a repair: what follows damage may never have been acknowledged."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every entry was copied (nothing was damaged)",
        "1:other failure (I/O)",
        "2:bad usage (NEWDIR is not an empty folder, or is DIR or inside it)",
        "4:entries were lost to damage: the rest were copied, the losses are listed",
        "6:no such folder, or no WAL folder in it"})
public final class SalvageCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    WalFolder folder;

    @Option(names = "--into", required = true, paramLabel = "NEWDIR",
        description = "An empty or missing folder for the new WAL (its WAL folder has the name DIR's has).")
    Path into;

    /** One run of source ids copied under consecutive new ids. */
    private record Run(long fromSource, long fromNew, long count)
    {
    }

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        checkTarget();
        try (WalFolder.Wal wal = folder.open())
        {
            final List<WalInspector.SegmentReport> segments = WalInspector.inspect(wal.directory(), wal.options());
            final WalInspector.SegmentReport first = segments.stream().filter(s -> s.header() != null).findFirst().orElse(null);
            final int codecId = first == null ? 0 : first.codecId();
            final int capacity = first == null ? wal.options().segmentCapacity() : first.header().capacity();
            final WalOptions target = WalOptions.defaults().withWalDir(wal.options().walDir()).withSegmentCapacity(capacity)
                .withNextSegment(NextSegment.AT_ROLL);
            final List<Run> runs = new ArrayList<>();
            final WalSalvage.Report report;
            try (MmapDirectory directory = MmapDirectory.open(into);
                WalWriter<DirectBuffer> writer = WalWriter.create(directory, new Verbatim(codecId), target))
            {
                final UnsafeBuffer view = new UnsafeBuffer(0, 0);
                report = WalSalvage.salvage(wal.directory(), wal.options(), (id, buffer, offset, length) ->
                {
                    view.wrap(buffer, offset, length);
                    final long newId = writer.append(view);
                    final Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                    if (last != null && last.fromSource() + last.count() == id)
                    {
                        runs.set(runs.size() - 1, new Run(last.fromSource(), last.fromNew(), last.count() + 1));
                    }
                    else
                    {
                        runs.add(new Run(id, newId, 1));
                    }
                }, loss -> out.println("lost: " + loss.describe()));
                writer.flushAndSync();
            }
            out.println("salvaged " + Text.count(report.entries()) + " entries of " + wal.directory().root() + " into " +
                into + " (durable; codec id " + codecId + ", segments of " + Text.bytes(capacity) + ")");
            for (final Run r : runs)
            {
                out.println("  source ids " + r.fromSource() + ".." + (r.fromSource() + r.count() - 1) + " -> new ids " +
                    r.fromNew() + ".." + (r.fromNew() + r.count() - 1));
            }
            if (report.lostAnything())
            {
                throw new CliFailure(ExitCodes.CORRUPT, "the WAL in " + wal.directory().root() + " was damaged: " +
                    Text.count(report.entriesLost()) + (report.entriesLost() == 1 ? " entry" : " entries") + " lost in " +
                    report.losses().size() + (report.losses().size() == 1 ? " place" : " places") +
                    (report.lossUnbounded() ? ", and an unknown number after the last entry read" : "") +
                    " (listed above); the entries after a loss may never have been acknowledged");
            }
            return ExitCodes.OK;
        }
        catch (final DurabilityException ex)
        {
            throw new CliFailure(ExitCodes.FAILURE, "salvage into " + into + " failed: " + ex.getMessage(), ex);
        }
    }

    /** NEWDIR must be missing or an empty folder, and not DIR: salvage never writes over anything. */
    private void checkTarget()
    {
        final Path source = folder.dir.toAbsolutePath().normalize();
        final Path target = into.toAbsolutePath().normalize();
        if (!target.equals(source) && target.startsWith(source))
        {
            throw new CliFailure(ExitCodes.USAGE, "--into " + into + " is inside DIR: salvage never writes into DIR");
        }
        try
        {
            if (Files.exists(into))
            {
                if (!Files.isDirectory(into))
                {
                    throw new CliFailure(ExitCodes.USAGE, "--into " + into + " is a file: salvage writes into an empty folder");
                }
                if (Files.isDirectory(folder.dir) && Files.isSameFile(into, folder.dir))
                {
                    throw new CliFailure(ExitCodes.USAGE, "--into is DIR itself: salvage never changes DIR");
                }
                try (Stream<Path> files = Files.list(into))
                {
                    if (files.findAny().isPresent())
                    {
                        throw new CliFailure(ExitCodes.USAGE, "--into " + into + " is not empty: salvage writes only " +
                            "into an empty folder, never over anything");
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new CliFailure(ExitCodes.FAILURE, "cannot read --into " + into + ": " + ex.getMessage(), ex);
        }
    }

    /** The payload bytes as they are, under the codec id the source WAL records. */
    private static final class Verbatim implements Codec<DirectBuffer>
    {
        private final int id;

        Verbatim(final int id)
        {
            this.id = id;
        }

        @Override
        public int encode(final DirectBuffer value, final MutableDirectBuffer buffer, final int offset, final int maxLength)
        {
            return DirectBufferCodec.INSTANCE.encode(value, buffer, offset, maxLength);
        }

        @Override
        public long exactLength(final DirectBuffer value)
        {
            return value.capacity();
        }

        @Override
        public DirectBuffer decode(final DirectBuffer buffer, final int offset, final int length)
        {
            return DirectBufferCodec.INSTANCE.decode(buffer, offset, length);
        }

        @Override
        public int id()
        {
            return id;
        }
    }
}
