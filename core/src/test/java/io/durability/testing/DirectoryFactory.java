package io.durability.testing;

import io.durability.storage.Directory;

/** Makes a fresh, empty directory for one test; contract suites are parameterized by one. */
@FunctionalInterface
public interface DirectoryFactory
{
    /** @return a new empty directory. */
    Directory create();
}
