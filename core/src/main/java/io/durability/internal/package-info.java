/** Internal hooks for the crash tests; not API. */
package io.durability.internal;
