/**
 * Test hooks other modules may use: {@link io.durability.testhook.CrashPoints}, named points where a
 * crash test makes the process halt itself. Stable names, documented; no effect (and no cost once
 * compiled) unless the JVM is started with {@code -Ddurability.crashpoint=<name>}.
 */
package io.durability.testhook;
