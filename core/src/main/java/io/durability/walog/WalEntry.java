package io.durability.walog;

import java.util.List;
import java.util.Objects;

/**
 * The seed's segment-index WAL operations, for search indexes and other segment-based stores. Use
 * with {@link WalEntryCodec}; define your own entry type and {@link io.durability.codec.Codec} for
 * other domains.
 *
 * <p>Unsigned 32-bit fields of the seed ({@code doc_count}, {@code doc_id}) are {@code long} here
 * and must lie in {@code [0, 2^32 - 1]}; ids are non-negative {@code long}s.
 */
public sealed interface WalEntry
{
    /** The largest value of an unsigned 32-bit field. */
    long MAX_U32 = 0xFFFF_FFFFL;

    /**
     * A new segment became visible.
     *
     * @param segmentId the new segment id.
     * @param docCount  documents in it (unsigned 32-bit).
     */
    record AddSegment(long segmentId, long docCount) implements WalEntry
    {
    }

    /**
     * A merge transaction started (not yet committed).
     *
     * @param transactionId the merge transaction.
     * @param segmentIds    segments participating.
     */
    record StartMerge(long transactionId, List<Long> segmentIds) implements WalEntry
    {
        /** Copies the list. */
        public StartMerge
        {
            segmentIds = List.copyOf(segmentIds);
        }
    }

    /**
     * A merge transaction was cancelled (no visible change).
     *
     * @param transactionId the merge transaction.
     * @param segmentIds    segments that were participating.
     */
    record CancelMerge(long transactionId, List<Long> segmentIds) implements WalEntry
    {
        /** Copies the list. */
        public CancelMerge
        {
            segmentIds = List.copyOf(segmentIds);
        }
    }

    /**
     * A merge transaction completed and produced a new segment.
     *
     * @param transactionId   the merge transaction.
     * @param newSegmentId    the merged segment.
     * @param oldSegmentIds   segments it replaces.
     * @param remappedDeletes deletes that happened during the merge, remapped into the new segment.
     */
    record EndMerge(long transactionId, long newSegmentId, List<Long> oldSegmentIds, List<DocRef> remappedDeletes)
        implements WalEntry
    {
        /** Copies the lists. */
        public EndMerge
        {
            oldSegmentIds = List.copyOf(oldSegmentIds);
            remappedDeletes = List.copyOf(remappedDeletes);
        }
    }

    /**
     * Logical deletes against existing segments.
     *
     * @param deletes the (segment, document) pairs.
     */
    record DeleteDocuments(List<DocRef> deletes) implements WalEntry
    {
        /** Copies the list. */
        public DeleteDocuments
        {
            deletes = List.copyOf(deletes);
        }
    }

    /**
     * A checkpoint was published; entries up to {@code lastEntryId} are in it.
     *
     * @param checkpointPath the checkpoint file, relative to the directory root.
     * @param lastEntryId    the last WAL entry the checkpoint includes.
     */
    record Checkpoint(String checkpointPath, long lastEntryId) implements WalEntry
    {
        /** Rejects a null path. */
        public Checkpoint
        {
            Objects.requireNonNull(checkpointPath, "checkpointPath");
        }
    }

    /**
     * A document in a segment.
     *
     * @param segmentId the segment.
     * @param docId     the document (unsigned 32-bit).
     */
    record DocRef(long segmentId, long docId)
    {
    }
}
