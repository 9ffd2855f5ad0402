package io.durability.cli;

import io.durability.checkpoint.CheckpointDescriptor;
import io.durability.checkpoint.CheckpointFile;
import io.durability.checkpoint.CheckpointInfo;
import io.durability.storage.DurabilityException;
import io.durability.storage.mmap.MmapDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code durability checkpoint show FILE}: a checkpoint's header fields, after the same checks
 * recovery makes (magic, version, header CRC, length, payload CRC). The payload is not decoded:
 * any checkpoint type can be shown.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
    description = {"Show a checkpoint file's header fields and check its CRCs.",
        "Checks magic, version, header CRC, length and payload CRC, as recovery does; the payload is not decoded."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:the checkpoint passes every check",
        "1:other failure (I/O)",
        "4:bad magic, version, length or CRC",
        "6:no such file"})
public final class CheckpointShowCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The checkpoint file.")
    Path file;

    @Override
    public Integer call()
    {
        if (!Files.isRegularFile(file))
        {
            throw new CliFailure(ExitCodes.NOT_FOUND, "no such checkpoint file: " + file);
        }
        final Path absolute = file.toAbsolutePath();
        final String name = absolute.getFileName().toString();
        final CheckpointInfo info;
        try (MmapDirectory directory = WalFolder.openDirectory(absolute.getParent()))
        {
            info = CheckpointFile.inspect(directory, name, CheckpointDescriptor.DEFAULT_MAX_PAYLOAD);
        }
        catch (final DurabilityException ex)
        {
            throw new CliFailure(ExitCodes.of(ex), "checkpoint " + file + " fails its checks: " + ex.getMessage(), ex);
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.println("checkpoint      " + file);
        out.println("format version  " + info.formatVersion());
        out.println("last applied id " + info.lastAppliedId());
        out.println("payload         " + Text.count(info.payloadLength()) + " bytes (file " + Text.count(size(absolute)) +
            " bytes, header " + CheckpointDescriptor.HEADER_LENGTH + ")");
        out.println("payload CRC32C  " + Text.hex32(info.payloadCrc()) + " ok");
        out.println("header CRC32C   ok");
        return ExitCodes.OK;
    }

    private static long size(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
