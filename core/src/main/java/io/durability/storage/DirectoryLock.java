package io.durability.storage;

/** An exclusive lock obtained from {@link Directory#obtainLock(String)}; closing releases it. */
public interface DirectoryLock extends AutoCloseable
{
    /** @return the lock file's path relative to the directory root. */
    String path();

    /** @return whether the lock is still held by this handle. */
    boolean isValid();

    /** Release the lock. Idempotent. */
    @Override
    void close();
}
