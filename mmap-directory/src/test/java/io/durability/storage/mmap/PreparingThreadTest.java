package io.durability.storage.mmap;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The preparing thread: tasks run in order; at close the running one finishes and the queued ones are settled. */
class PreparingThreadTest
{
    @Test
    void tasksRunInTheOrderTheyWereQueued()
    {
        final PreparingThread thread = new PreparingThread("test-preparing");
        final List<Integer> order = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            final int n = i;
            assertTrue(thread.execute(() -> order.add(n)));
        }
        thread.awaitIdle();
        for (int i = 0; i < 20; i++)
        {
            assertEquals(i, order.get(i));
        }
        thread.close();
    }

    @Test
    void closeLetsTheRunningTaskFinishAndSettlesTheQueuedOnes() throws InterruptedException
    {
        final PreparingThread thread = new PreparingThread("test-preparing");
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final List<String> events = new CopyOnWriteArrayList<>();
        thread.execute(() ->
        {
            started.countDown();
            try
            {
                proceed.await();
            }
            catch (final InterruptedException ex)
            {
                events.add("interrupted");
            }
            events.add("running finished");
        });
        thread.execute(new PreparingThread.Task()
        {
            @Override
            public void run()
            {
                events.add("queued ran");
            }

            @Override
            public void settle()
            {
                events.add("queued settled");
            }
        });
        thread.execute(() -> events.add("plain ran"));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        final Thread closer = new Thread(thread::close);
        closer.start();
        awaitSettled(closer);
        proceed.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertEquals(List.of("queued settled", "running finished"), events.stream().sorted().toList(),
            "the running task finished, not interrupted; the queued task settled, not run; a plain one dropped");
        assertFalse(thread.execute(() -> events.add("after close")), "nothing is queued after close");
        assertFalse(events.contains("after close"));
    }

    /** Wait until {@code closer} waits for the thread to end: by then the queue was taken off and settled. */
    static void awaitSettled(final Thread closer) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(Thread.State.TIMED_WAITING, closer.getState(), "close waits for the running task");
    }
}
