package io.durability.storage;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A sandbox of files rooted somewhere (memory or a folder): the one storage contract under the
 * record log, the WAL, checkpoints and recovery.
 *
 * <h2>Paths</h2>
 * Every path is relative, {@code /}-separated and confined to the root: an empty path, an absolute
 * path, a {@code ..} or {@code .} component, an empty component, a backslash or a NUL is rejected
 * with {@link DurabilityException.Kind#INVALID_CONFIG} before anything is touched (see
 * {@link RelativePath}). Filesystem backends also reject a path that resolves outside the root
 * through a symbolic link.
 *
 * <h2>Two kinds of file</h2>
 * <ul>
 *   <li><b>Byte files</b> (checkpoints, metadata): streamed, read whole, renamed, written
 *   atomically.</li>
 *   <li><b>Segment files</b> (logs): created at a fixed capacity, zero-filled, with blocks allocated
 *   up front where the backend can, and written in place through {@link SegmentFile#buffer()}.</li>
 * </ul>
 *
 * <h2>Words used precisely</h2>
 * <ul>
 *   <li><b>Visible</b>: another reader of this directory (in this process, or in another process for
 *   filesystem backends) sees the bytes. Writes through a segment buffer are visible when the store
 *   is; byte-file writes are visible when the stream is closed.</li>
 *   <li><b>Atomic</b>: a reader sees the old content or the new content, never a mix; it says nothing
 *   about surviving a power loss.</li>
 *   <li><b>Durable</b>: survives power loss or an OS crash. Only the barrier methods
 *   ({@link #syncFile}, {@link #syncParentDir}, {@link #atomicWriteDurable},
 *   {@link #atomicRenameDurable}, {@link SegmentFile#force}) promise it, and a backend without stable
 *   storage throws {@link DurabilityException.Kind#NOT_SUPPORTED} from them; it never pretends.</li>
 * </ul>
 *
 * <p>Implementations are thread-safe for distinct files. Concurrent writes to one file are the
 * caller's business; the WAL enforces a single writer with {@link #obtainLock}.
 */
public interface Directory extends AutoCloseable
{
    // ---------------------------------------------------------------------------------- byte files

    /**
     * Create (or truncate) a byte file and stream into it. Parent directories are created. The
     * content becomes visible when the stream is closed; it is not durable until {@link #syncFile}.
     *
     * @throws DurabilityException IO, INVALID_CONFIG (bad path).
     */
    OutputStream createFile(String path);

    /**
     * Open a byte file (or a segment file, read as bytes) for reading.
     *
     * @throws DurabilityException NOT_FOUND, IO, INVALID_CONFIG.
     */
    InputStream openFile(String path);

    /**
     * Read a whole file, refusing before allocating when it is longer than {@code maxLength}.
     *
     * @throws DurabilityException NOT_FOUND, IO, FORMAT (longer than {@code maxLength}).
     */
    byte[] readFile(String path, int maxLength);

    /** @return whether a file (of either kind) or folder exists at {@code path}. */
    boolean exists(String path);

    /**
     * @return the length in bytes of the file at {@code path}.
     * @throws DurabilityException NOT_FOUND, IO.
     */
    long fileLength(String path);

    /**
     * Delete a file. Open segment handles stay usable until closed (as with an unlinked file).
     * Not durable until {@link #syncParentDir} of the path.
     *
     * @throws DurabilityException NOT_FOUND, IO.
     */
    void delete(String path);

    /**
     * Rename {@code from} to {@code to}, replacing {@code to}, atomically: a reader sees the old or
     * the new file at {@code to}, never a mix. Not durable until both parents are synced (see
     * {@link #atomicRenameDurable}).
     *
     * @throws DurabilityException NOT_FOUND, IO.
     */
    void atomicRename(String from, String to);

    /**
     * Replace the content of {@code path} atomically (write a temporary file, then rename). Not
     * durable (see {@link #atomicWriteDurable}).
     *
     * @throws DurabilityException IO.
     */
    void atomicWrite(String path, byte[] data);

    /** Create a folder and its parents; existing folders are fine. @throws DurabilityException IO. */
    void createDirectories(String path);

    /**
     * The names (not paths) of the entries directly inside folder {@code dir}, sorted
     * lexicographically; empty when the folder does not exist. Use {@code ""} for the root.
     *
     * @throws DurabilityException IO.
     */
    List<String> list(String dir);

    /** @return the operating-system path of {@code path}, or empty for backends without one (memory). */
    Optional<Path> filePath(String path);

    // ------------------------------------------------------------------------------- segment files

    /**
     * Create a new segment file of exactly {@code capacity} bytes, zero-filled, and open it for
     * writing. Filesystem backends allocate the blocks before returning, so a full disk fails here
     * with IO rather than later on a store. The file's creation is not durable until
     * {@link #syncParentDir}.
     *
     * @throws DurabilityException IO (including no space), INVALID_STATE (the file exists),
     *                             INVALID_CONFIG (capacity below 64 or not a multiple of 8).
     */
    SegmentFile createSegment(String path, int capacity);

    /**
     * Open an existing file as a segment; its capacity is the file's length (rounded down to a
     * multiple of 8 bytes, at most {@link Integer#MAX_VALUE} - 7).
     *
     * @param writable {@code false} for a read-only view (stores through it are undefined).
     * @throws DurabilityException NOT_FOUND, IO.
     */
    SegmentFile openSegment(String path, boolean writable);

    // ------------------------------------------------------------------------- durability barriers

    /** @return whether the barrier methods are supported (the backend has stable storage). */
    boolean supportsDurability();

    /**
     * Make the content of the file at {@code path} durable (fsync).
     *
     * @throws DurabilityException NOT_SUPPORTED (no stable storage), NOT_FOUND, IO.
     */
    void syncFile(String path);

    /**
     * Make the entries of the folder containing {@code path} durable, so a create, rename or delete
     * of {@code path} survives power loss. Filesystem backends also sync the parent of every folder
     * they created on the way, so a file created in a new folder survives with its folder.
     *
     * @throws DurabilityException NOT_SUPPORTED, IO.
     */
    void syncParentDir(String path);

    /**
     * {@link #atomicWrite} made durable: write a temporary file, sync it, rename it over
     * {@code path}, sync the parent folder. After return the new content survives power loss; a
     * crash before return leaves the old or the new content.
     *
     * @throws DurabilityException NOT_SUPPORTED, IO.
     */
    void atomicWriteDurable(String path, byte[] data);

    /**
     * {@link #atomicWriteDurable(String, byte[])} of the first {@code length} bytes of {@code data}:
     * the same guarantees. The caller may reuse {@code data} once it returns (a backend never keeps
     * it). The default copies those bytes and calls the two-argument form (so a wrapper that
     * intercepts that form sees every such write); a filesystem backend writes them without the copy.
     *
     * @throws DurabilityException NOT_SUPPORTED, IO, INVALID_CONFIG ({@code length} outside
     *                             {@code 0..data.length}).
     */
    default void atomicWriteDurable(final String path, final byte[] data, final int length)
    {
        if (length < 0 || length > data.length)
        {
            throw DurabilityException.invalidConfig("length of the bytes to write", "0.." + data.length, length);
        }
        atomicWriteDurable(path, length == data.length ? data.clone() : java.util.Arrays.copyOf(data, length));
    }

    /**
     * {@link #atomicRename} made durable: rename, then sync the parent of {@code to} and, when it
     * differs, the parent of {@code from}.
     *
     * @throws DurabilityException NOT_SUPPORTED, NOT_FOUND, IO.
     */
    void atomicRenameDurable(String from, String to);

    // ------------------------------------------------------------------------------------- locking

    /**
     * Take the exclusive lock named by {@code path} (created if missing): held against other holders
     * in this process and, on filesystem backends, in other processes (an OS file lock). Released by
     * {@link DirectoryLock#close()} or when the process dies.
     *
     * @throws DurabilityException LOCK_FAILED when someone else holds it, IO.
     */
    DirectoryLock obtainLock(String path);

    /** Release resources held by the directory itself; open segments stay the caller's to close. */
    @Override
    void close();
}
