package io.durability.walog;

/** How a read treats damage. Best effort is narrow: it never masks corruption. */
public enum ReplayMode
{
    /**
     * Any bad frame, torn segment header or unsealed non-final segment is an error. (A final segment
     * a crash left uninitialized, magic 0 and no frame, holds no data and is ignored in both modes.)
     */
    STRICT,
    /**
     * Stops quietly at a torn tail: a bad frame in the final segment at or above its durable
     * watermark, or a torn header of the final segment (power loss during its creation). On directories
     * with stable storage, a segment whose seal was never made durable may also end the stream, and
     * the unsynced segments after it are ignored. Everything else (a bad frame below the watermark or
     * in a non-final segment of durable data, a bad header elsewhere, an id out of sequence, a
     * missing segment) is still an error.
     */
    BEST_EFFORT
}
