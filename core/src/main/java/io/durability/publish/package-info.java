/**
 * Crash-safe checkpoint publish with WAL truncation: checkpoint durable, then marker durable, then
 * truncation ({@link io.durability.publish.CheckpointPublisher}).
 *
 * <h2>Invariants</h2>
 * No WAL segment is deleted unless a durable marker names a durable checkpoint that covers it. A
 * failure at any step never reduces what recovery can rebuild; at worst extra WAL segments remain.
 */
package io.durability.publish;
