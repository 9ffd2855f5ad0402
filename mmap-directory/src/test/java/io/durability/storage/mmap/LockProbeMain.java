package io.durability.storage.mmap;

import io.durability.codec.BytesCodec;
import io.durability.storage.DurabilityException;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;

import java.nio.file.Path;

/**
 * Child process for {@link MmapProcessTest}: tries to resume the WAL in {@code args[0]} and prints
 * {@code OK <lastEntryId>} or {@code FAILED <kind>}.
 */
public final class LockProbeMain
{
    private LockProbeMain()
    {
    }

    public static void main(final String[] args)
    {
        try (MmapDirectory dir = MmapDirectory.open(Path.of(args[0]));
            WalWriter<byte[]> w = WalWriter.resume(dir, BytesCodec.INSTANCE, WalOptions.defaults().withSegmentCapacity(4096)))
        {
            System.out.println("OK " + w.lastEntryId());
        }
        catch (final DurabilityException ex)
        {
            System.out.println("FAILED " + ex.kind() + " " + ex.getMessage());
        }
        System.out.flush();
    }
}
