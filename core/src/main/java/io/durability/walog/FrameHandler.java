package io.durability.walog;

import org.agrona.DirectBuffer;

/**
 * Receives each entry's raw payload in place, for zero-allocation replay: the buffer is the
 * segment's own memory and is valid only during the call.
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * @param entryId the entry id.
     * @param buffer  the segment memory; do not keep it after returning.
     * @param offset  the payload's first byte.
     * @param length  the payload length.
     */
    void onFrame(long entryId, DirectBuffer buffer, int offset, int length);
}
