package io.durability.storage.mmap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Spare files: made in the folder given, protected while live, deleted when discarded or stale. */
class SpareFilesTest
{
    @TempDir
    Path temp;
    private Path folder;

    @BeforeEach
    void create() throws IOException
    {
        folder = temp.toRealPath();
    }

    @Test
    void aSpareIsAllocatedMappedAndProtectedUntilDiscarded() throws IOException
    {
        final SpareFiles spares = new SpareFiles(ZeroFillAllocator.INSTANCE, new PreTouching(PreTouch.NONE));
        final SpareFiles.Spare spare = spares.create(folder, 8192);
        assertEquals(folder, spare.file.getParent(), "made in the folder given");
        assertTrue(SpareFiles.isSpareName(spare.file.getFileName().toString()), spare.file.toString());
        assertEquals(8192, Files.size(spare.file));
        assertEquals(8192, spare.map.capacity());
        SpareFiles.removeStale(folder);
        assertTrue(Files.exists(spare.file), "a live spare is not stale");
        spare.discard();
        assertFalse(Files.exists(spare.file));
        assertFalse(spare.channel.isOpen());
    }

    @Test
    void onlyUnheldSpareNamesAreStale() throws IOException
    {
        final Path stale = folder.resolve(SpareFiles.SPARE_PREFIX + "1-1-1" + SpareFiles.SPARE_SUFFIX);
        Files.writeString(stale, "");
        Files.writeString(folder.resolve("segment.seg"), "");
        Files.writeString(folder.resolve(".mmap-prepared-not-a-spare"), "");
        SpareFiles.removeStale(folder);
        assertEquals(List.of(".mmap-prepared-not-a-spare", "segment.seg"), TestFolders.rawNames(folder));
    }

    @Test
    void aFailedPreparationLeavesNothing()
    {
        final SpareFiles spares = new SpareFiles((file, channel, length) ->
        {
            throw new IOException("No space left on device");
        }, new PreTouching(PreTouch.NONE));
        assertThrows(IOException.class, () -> spares.create(folder, 8192));
        assertEquals(List.of(), TestFolders.rawNames(folder));
    }
}
