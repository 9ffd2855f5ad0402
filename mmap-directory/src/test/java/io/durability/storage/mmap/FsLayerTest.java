package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;
import io.durability.storage.DurabilityException.Kind;
import io.durability.storage.SegmentFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The file-system layer on its own (confined paths, byte-file listings), and the roll's use of it: what one confinement check learns is
 * reused within a call, never from one call to the next.
 */
class FsLayerTest
{
    @TempDir
    Path temp;
    @TempDir
    Path outside;
    private Path folder;
    private ConfinedPaths paths;
    private FsFiles fs;

    @BeforeEach
    void open() throws IOException
    {
        folder = temp.toRealPath();
        paths = new ConfinedPaths(folder);
        fs = new FsFiles(paths, new Folders(paths, false), SpareFiles::isSpareName);
    }

    private static DurabilityException refused(final Executable call)
    {
        final DurabilityException ex = assertThrows(DurabilityException.class, call);
        assertEquals(Kind.INVALID_CONFIG, ex.kind(), ex.getMessage());
        return ex;
    }

    @Test
    void aTargetCarriesWhatTheCheckSawOfTheFileAndItsFolder() throws IOException
    {
        Files.createDirectories(folder.resolve("wal"));
        Files.writeString(folder.resolve("wal/there"), "x");

        final ConfinedPaths.Target fresh = paths.resolveTarget("wal/next");
        assertEquals(folder.resolve("wal/next"), fresh.file());
        assertNull(fresh.existing(), "nothing there");
        assertEquals(folder.resolve("wal"), fresh.realFolder());
        assertTrue(fresh.isFolder());

        final ConfinedPaths.Target taken = paths.resolveTarget("wal/there");
        assertNotNull(taken.existing());
        assertTrue(taken.existing().isRegularFile());

        final ConfinedPaths.Target deep = paths.resolveTarget("missing/deeper/seg");
        assertNull(deep.realFolder(), "a folder that does not exist has no real path yet");
        assertFalse(deep.isFolder());

        final ConfinedPaths.Target top = paths.resolveTarget("seg");
        assertEquals(folder, top.realFolder());
    }

    @Test
    void aFolderReachedThroughALinkInsideTheRootIsNotTakenForAFolder() throws IOException
    {
        Files.createDirectories(folder.resolve("real"));
        Files.createSymbolicLink(folder.resolve("link"), folder.resolve("real"));
        final ConfinedPaths.Target target = paths.resolveTarget("link/seg");
        assertEquals(folder.resolve("real"), target.realFolder());
        assertFalse(target.isFolder(), "a link: createFolders asks again, following it");
    }

    @Test
    void resolveTargetRefusesWhatResolveRefuses() throws IOException
    {
        Files.createSymbolicLink(folder.resolve("escape"), outside);
        Files.createSymbolicLink(folder.resolve("dangling"), outside.resolve("not-there"));
        for (final String bad : List.of("../x", "a/../../x", "/etc/passwd", "escape/seg", "escape/deeper/seg", "dangling"))
        {
            refused(() -> paths.resolve(bad));
            refused(() -> paths.resolveTarget(bad));
        }
    }

    @Test
    void aRollAfterTheFolderWasSwappedForALinkOutOfTheRootIsRefused() throws IOException
    {
        for (final boolean prepareAhead : new boolean[] {true, false})
        {
            final Path root = folder.resolve("root-" + prepareAhead);
            try (MmapDirectory dir = MmapDirectory.open(root, MmapOptions.defaults().withPrepareAhead(prepareAhead)))
            {
                final SegmentFile first = dir.createSegment("wal/1.seg", 4096);
                dir.awaitPreparation();
                first.close();
                Files.move(root.resolve("wal"), root.resolve("wal-moved"));
                Files.createSymbolicLink(root.resolve("wal"), outside);

                final DurabilityException ex = refused(() -> dir.createSegment("wal/2.seg", 4096));
                assertTrue(ex.getMessage().contains("path refused"), ex.getMessage());
                refused(() -> dir.createSegment("wal/../../2.seg", 4096));
                assertEquals(List.of(), TestFolders.rawNames(outside), "nothing was created outside");
                Files.delete(root.resolve("wal"));
            }
        }
    }

    @Test
    void aRollIntoAFolderThatBecameAFileFailsAsBefore() throws IOException
    {
        try (MmapDirectory dir = MmapDirectory.open(folder.resolve("root"), MmapOptions.defaults().withPrepareAhead(false)))
        {
            dir.createSegment("wal/1.seg", 4096).close();
            TestFolders.delete(folder.resolve("root/wal"));
            Files.writeString(folder.resolve("root/wal"), "not a folder");
            final DurabilityException ex = assertThrows(DurabilityException.class, () -> dir.createSegment("wal/2.seg", 4096));
            assertEquals(Kind.IO, ex.kind(), ex.getMessage());
        }
    }

    @Test
    void listingsHideWhatTheSegmentLayerHides() throws IOException
    {
        Files.writeString(folder.resolve("visible"), "x");
        Files.writeString(folder.resolve(SpareFiles.SPARE_PREFIX + "1-1-1" + SpareFiles.SPARE_SUFFIX), "");
        assertEquals(List.of("visible"), fs.list(""));
    }
}
