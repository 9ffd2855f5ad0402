/**
 * The frame layer shared by the record log and the WAL: segment header and frame layouts
 * ({@link io.durability.internal.frame.SegmentDescriptor}, {@link io.durability.internal.frame.FrameDescriptor}), the
 * commit protocol ({@link io.durability.internal.frame.SegmentAppender}) and the validating reader
 * ({@link io.durability.internal.frame.FrameCursor}). {@code docs/FORMAT.md} documents every byte.
 *
 * <h2>Invariants (must not change without a format bump)</h2>
 * <ul>
 *   <li>Frames are 8-byte aligned; a 24-byte header (length, CRC32C, entry id, type, flags, salt)
 *   precedes the payload; padding is zero.</li>
 *   <li>The length is stored last with release semantics; a zero length is end of data.</li>
 *   <li>The CRC32C covers everything after itself in the frame, id and salt included.</li>
 *   <li>A frame whose salt differs from its segment's is from an earlier life of the file and is
 *   end of data, never an entry.</li>
 *   <li>A rolled segment ends with a seal frame carrying the next segment's first id.</li>
 * </ul>
 *
 * <p>Internal (everything under {@code io.durability.internal}): public only for core's own packages, not
 * API. No other module's main code uses it ({@code InternalLineTest} fails when one does); applications and
 * tools use {@code io.durability.walog} ({@code WalLayout}, {@code WalInspector}, {@code WalMaintenance}) and
 * {@code io.durability.recordlog}.
 */
package io.durability.internal.frame;
