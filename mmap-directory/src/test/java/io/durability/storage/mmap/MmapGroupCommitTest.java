package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.GroupCommitTest;
import org.junit.jupiter.api.AfterEach;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GroupCommitTest} on real files: barriers are {@code fdatasync}/{@code msync} on the syncer
 * thread while the appending thread stores into the same mappings, rolls rename prepared spares, and
 * a roll during a barrier leaves the old mapping to that barrier to release.
 */
class MmapGroupCommitTest extends GroupCommitTest
{
    private final List<Path> folders = new ArrayList<>();

    @Override
    protected Directory newDirectory()
    {
        final Path folder = TestFolders.create("mmap-group-commit");
        folders.add(folder);
        return MmapDirectory.open(folder);
    }

    @AfterEach
    void deleteFolders()
    {
        folders.forEach(TestFolders::delete);
        folders.clear();
    }
}
