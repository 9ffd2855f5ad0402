package io.durability.storage.mmap;

import io.durability.storage.Directory;
import io.durability.walog.GroupCommitTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * {@link GroupCommitTest} on real files: barriers are {@code fdatasync}/{@code msync} on the syncer
 * thread while the appending thread stores into the same mappings, rolls rename prepared spares, and
 * a roll during a barrier leaves the old mapping to that barrier to release.
 */
class MmapGroupCommitTest extends GroupCommitTest
{
    @TempDir
    Path folders;
    private int made;

    /** @return a directory on a new folder of its own, every call. */
    @Override
    protected Directory newDirectory()
    {
        return MmapDirectory.open(folders.resolve("d" + ++made));
    }
}
