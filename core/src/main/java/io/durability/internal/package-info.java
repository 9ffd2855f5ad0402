/**
 * Core's internals ({@code io.durability.internal.frame}: segment and frame layouts, the commit
 * protocol, the validating scanner): public only for core's own packages, not API. No other module's
 * main code imports them ({@code InternalLineTest} fails when one does); tools read the format through
 * {@code io.durability.walog} ({@code WalLayout}, {@code WalInspector}, {@code WalMaintenance}).
 */
package io.durability.internal;
