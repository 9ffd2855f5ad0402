package io.durability.storage.mmap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The releaser: at most {@link MappingReleaser#MAX_PENDING} releases wait for the preparing thread; none after it stops. */
class MappingReleaserTest
{
    @TempDir
    Path folder;

    private FileChannel channel(final int n) throws IOException
    {
        return FileChannel.open(folder.resolve("f" + n), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Test
    void releasesBeyondTheBoundRunOnTheCallingThread() throws Exception
    {
        final PreparingThread thread = new PreparingThread("test-releaser");
        final MappingReleaser releaser = new MappingReleaser(thread);
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        thread.execute(() ->
        {
            started.countDown();
            try
            {
                proceed.await();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        final List<FileChannel> channels = new ArrayList<>();
        for (int i = 0; i < MappingReleaser.MAX_PENDING + 3; i++)
        {
            final FileChannel channel = channel(i);
            channel.write(java.nio.ByteBuffer.wrap(new byte[4096]));
            final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            channels.add(channel);
            releaser.release(map, channel);
        }
        assertEquals(MappingReleaser.MAX_PENDING, releaser.pending());
        long closedInline = channels.stream().filter(c -> !c.isOpen()).count();
        assertEquals(3, closedInline, "the ones beyond the bound were released at once");
        proceed.countDown();
        thread.awaitIdle();
        assertEquals(0, releaser.pending());
        assertTrue(channels.stream().noneMatch(FileChannel::isOpen));
        thread.close();

        final FileChannel late = channel(99);
        late.write(java.nio.ByteBuffer.wrap(new byte[4096]));
        releaser.release(late.map(FileChannel.MapMode.READ_WRITE, 0, 4096), late);
        assertFalse(late.isOpen(), "after the thread stopped, released on the calling thread");
        assertEquals(0, releaser.pending());
    }

    @Test
    void queuedReleasesRunWhenTheThreadStops() throws Exception
    {
        final PreparingThread thread = new PreparingThread("test-releaser");
        final MappingReleaser releaser = new MappingReleaser(thread);
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        thread.execute(() ->
        {
            started.countDown();
            try
            {
                proceed.await();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        final FileChannel channel = channel(0);
        channel.write(java.nio.ByteBuffer.wrap(new byte[4096]));
        releaser.release(channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096), channel);
        assertEquals(1, releaser.pending());
        final Thread closer = new Thread(thread::close);
        closer.start();
        PreparingThreadTest.awaitSettled(closer);
        assertFalse(channel.isOpen(), "settled at close, before the running task finished: never leaked");
        proceed.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertEquals(0, releaser.pending());
    }
}
