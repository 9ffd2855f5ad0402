/**
 * The generic multi-segment write-ahead log: {@link io.durability.walog.WalWriter} (create, resume,
 * append, appendBatch, claim/commit, flush, flushAndSync, rolling, maintenance) and
 * {@link io.durability.walog.WalReader} (strict and best-effort replay, streaming and zero-allocation
 * variants), {@link io.durability.walog.WalTailer} (follows a live writer, in this process or another:
 * visible or durable-only delivery, seek by entry id), plus the seed's segment-index
 * {@link io.durability.walog.WalEntry} with its codec.
 *
 * <h2>Invariants (must not change without a format bump)</h2>
 * <ul>
 *   <li>Segments live in {@code WalOptions.walDir()} as {@code wal-<segmentId>.seg} and are replayed
 *   in numeric order; segment ids are consecutive.</li>
 *   <li>Entry ids start at 1 and are consecutive across the whole WAL; they are stored in frame
 *   headers, not payloads; a segment's header states its first id and a rolled segment's seal
 *   states the next segment's first id.</li>
 *   <li>Every non-final segment ends with a seal; the final segment is the one a writer appends to.</li>
 * </ul>
 *
 * <h2>Recovery posture</h2>
 * <ul>
 *   <li><b>Process crash</b>: whole frames only (length stored last); replay yields exactly the
 *   committed entries; {@code resume} continues the ids.</li>
 *   <li><b>Power loss</b>: entries acknowledged by {@code flushAndSync} survive; replay yields a prefix
 *   of what was appended. Each segment header records a durable watermark, written one barrier
 *   behind, that separates "may be torn" from "was durable".</li>
 *   <li><b>Best effort is narrow</b>: it tolerates only a torn tail of the final segment (above its
 *   watermark), a torn header of the final segment, and, on stable storage, a segment whose seal was
 *   never made durable when nothing after it was either. Everything else is an error.</li>
 *   <li><b>Failed sync</b>: the writer is poisoned; reopen with {@code resume}.</li>
 *   <li><b>One writer</b>: enforced with a lock file ({@code wal/.lock}) across threads and, on
 *   filesystem directories, processes.</li>
 * </ul>
 */
package io.durability.walog;
