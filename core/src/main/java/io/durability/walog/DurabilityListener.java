package io.durability.walog;

import io.durability.storage.DurabilityException;

/**
 * Told of a {@link WalWriter}'s durable position, without allocation: the non-blocking form of
 * {@link WalWriter#awaitDurable} for a service that replies to its clients once their entries are
 * durable ({@link WalOptions#withDurabilityListener}).
 *
 * <p>Both methods run on the thread that completed the barrier: the writer's syncer thread under a
 * background {@link SyncPolicy}, or the thread that called {@code flushAndSync}, {@code syncWatermark}
 * or {@code close}. They delay the next barrier while they run: hand slow work to another thread, and
 * call nothing on the writer but {@link WalWriter#lastDurableId()} and {@link WalWriter#metrics()} (the
 * writer is single-threaded; its barrier is in progress). An exception they throw is logged and
 * otherwise ignored (it never poisons the writer).
 */
public interface DurabilityListener
{
    /**
     * Every entry with an id {@code <= lastDurableId} survives power loss from now on (the same
     * promise as a returned {@link WalWriter#flushAndSync()}). Called after each completed barrier,
     * with strictly increasing values (a barrier that covered no new entry does not call it).
     *
     * @param lastDurableId the new {@link WalWriter#lastDurableId()}.
     */
    void onDurable(long lastDurableId);

    /**
     * A barrier failed: the writer is poisoned, entries above the last {@link #onDurable} value may
     * or may not be durable, and none of them will ever be reported durable by this writer. Called once,
     * before the waiters ({@code awaitDurable}, {@code whenDurable}) are given the failure.
     *
     * @param failure what the barrier threw.
     */
    default void onFailure(final DurabilityException failure)
    {
    }
}
