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
     * Stops quietly at a torn tail ({@link WalVerdict.State#TORN_TAIL}): after the last completed
     * barrier, a frame above the durable watermark that shows a whole 512-byte sector of zeros, or a
     * seal, header or segment file that never reached the disk; the segments after it are ignored.
     * Everything else (damage without that evidence, damage below the watermark or in a segment a
     * later barrier proved, a short file, a bad header, an id out of sequence, a missing segment
     * before the last proven one) is still an error.
     */
    BEST_EFFORT
}
