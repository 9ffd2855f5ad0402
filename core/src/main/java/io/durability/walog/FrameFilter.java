package io.durability.walog;

import org.agrona.DirectBuffer;

/**
 * Decides, from an entry's id and its raw payload in place, whether a replay decodes and delivers it
 * (see {@link WalReader#replayEach(ReplayMode, FrameFilter, RecordHandler)}). A frame it declines
 * is still read and CRC-checked, and still counts toward the WAL's verdict: only the decoding (and
 * its allocation) is saved.
 */
@FunctionalInterface
public interface FrameFilter
{
    /**
     * @param entryId the entry id.
     * @param buffer  the segment memory; do not keep it after returning.
     * @param offset  the payload's first byte.
     * @param length  the payload length.
     * @return whether to decode the entry and hand it to the record handler.
     */
    boolean accept(long entryId, DirectBuffer buffer, int offset, int length);
}
