/**
 * The storage contract: {@link io.durability.storage.Directory}, its segment files and locks, path
 * confinement, and the library's exception family.
 *
 * <h2>Invariants (must not change without a format bump)</h2>
 * <ul>
 *   <li>Paths are relative, {@code /}-separated and confined to the directory root; anything else is
 *   refused before any file is touched ({@link io.durability.storage.RelativePath}).</li>
 *   <li>Segment files are created zero-filled at their full capacity (a multiple of 8) and never
 *   grow; "end of data" is a zero length, so zero-fill is part of the format.</li>
 * </ul>
 *
 * <h2>Vocabulary</h2>
 * <b>Visible</b> (another reader sees it), <b>atomic</b> (old or new, never a mix) and
 * <b>durable</b> (survives power loss) are different promises. Only barrier methods promise
 * durability, and a backend without stable storage ({@link io.durability.storage.MemoryDirectory})
 * refuses them with {@code NOT_SUPPORTED} rather than pretending.
 *
 * <h2>Errors</h2>
 * Every failure is a {@link io.durability.storage.DurabilityException} whose
 * {@link io.durability.storage.DurabilityException.Kind} mirrors the seed's error variants, with the
 * file, offset, expected and found values where they apply.
 */
package io.durability.storage;
