package io.durability.walog;

import io.durability.internal.frame.FrameDescriptor;
import io.durability.internal.frame.SegmentDescriptor;
import io.durability.storage.DurabilityException;
import io.durability.storage.RelativePath;
import io.durability.storage.SegmentFiles;

/**
 * Configuration of a WAL: where its segments live and how large each is. Immutable; the
 * {@code with*} methods return copies.
 */
public final class WalOptions
{
    /** The default folder, relative to the directory root: {@value}. */
    public static final String DEFAULT_WAL_DIR = "wal";

    /** The default segment capacity: 64 MiB. */
    public static final int DEFAULT_SEGMENT_CAPACITY = 64 * 1024 * 1024;

    /** The smallest segment capacity allowed: a header, one empty frame and the seal. */
    public static final int MIN_SEGMENT_CAPACITY = SegmentDescriptor.HEADER_LENGTH + 2 * FrameDescriptor.HEADER_LENGTH;

    private static final WalOptions DEFAULTS =
        new WalOptions(DEFAULT_WAL_DIR, DEFAULT_SEGMENT_CAPACITY, null, false, SyncPolicy.manual(), null, NextSegment.AUTO);

    private final String walDir;
    private final int segmentCapacity;
    private final Long saltSeed;
    private final boolean fullResumeCheck;
    private final SyncPolicy syncPolicy;
    private final DurabilityListener durabilityListener;
    private final NextSegment nextSegment;

    private WalOptions(
        final String walDir, final int segmentCapacity, final Long saltSeed, final boolean fullResumeCheck,
        final SyncPolicy syncPolicy, final DurabilityListener durabilityListener, final NextSegment nextSegment)
    {
        this.nextSegment = nextSegment;
        this.fullResumeCheck = fullResumeCheck;
        this.syncPolicy = syncPolicy;
        this.durabilityListener = durabilityListener;
        this.walDir = walDir;
        this.segmentCapacity = segmentCapacity;
        this.saltSeed = saltSeed;
    }

    /** @return the defaults: folder {@code wal}, 64 MiB segments. */
    public static WalOptions defaults()
    {
        return DEFAULTS;
    }

    /**
     * @param capacity bytes per segment file, a multiple of 8 at least {@link #MIN_SEGMENT_CAPACITY}.
     *                 A frame's payload can be at most {@code capacity - 112} bytes.
     * @throws DurabilityException INVALID_CONFIG.
     */
    public WalOptions withSegmentCapacity(final int capacity)
    {
        if (capacity < MIN_SEGMENT_CAPACITY)
        {
            throw DurabilityException.invalidConfig("segment capacity too small", ">= " + MIN_SEGMENT_CAPACITY, capacity);
        }
        SegmentFiles.checkCapacity(null, capacity);
        return new WalOptions(walDir, capacity, saltSeed, fullResumeCheck, syncPolicy, durabilityListener, nextSegment);
    }

    /**
     * @param dir the folder holding the segments, relative to the directory root.
     * @throws DurabilityException INVALID_CONFIG for a path that escapes the root.
     */
    public WalOptions withWalDir(final String dir)
    {
        return new WalOptions(
            RelativePath.validate(dir), segmentCapacity, saltSeed, fullResumeCheck, syncPolicy, durabilityListener, nextSegment);
    }

    /**
     * Make segment salts a function of {@code seed} and the WAL's position, so that a test replays
     * byte-identical files run after run. Production code leaves it unset: salts are then random,
     * which is what keeps frames of an earlier life of a file from being read as current.
     */
    public WalOptions withSaltSeed(final long seed)
    {
        return new WalOptions(walDir, segmentCapacity, seed, fullResumeCheck, syncPolicy, durabilityListener, nextSegment);
    }

    /** @return the salt seed, or {@code null} for random salts. */
    public Long saltSeed()
    {
        return saltSeed;
    }

    /**
     * Whether {@link WalWriter#resume} validates every frame of every segment before it opens the WAL
     * (cost: a replay). By default ({@code false}) it checks the structure of every segment (length,
     * header, ids, seals: O(number of segments)) and every frame from the last segment a barrier
     * proved (O(one segment)); damage inside older sealed segments is then found by replay and
     * {@link WalReader#check()}.
     *
     * @param full whether to check every frame.
     * @return options with that setting.
     */
    public WalOptions withFullResumeCheck(final boolean full)
    {
        return new WalOptions(walDir, segmentCapacity, saltSeed, full, syncPolicy, durabilityListener, nextSegment);
    }

    /**
     * When entries become durable without a {@code flushAndSync} by the caller: see {@link SyncPolicy}.
     * The default is {@link SyncPolicy#manual()}. A background policy needs a directory with stable
     * storage ({@link WalWriter#create} and {@link WalWriter#resume} refuse it otherwise).
     *
     * @param policy the policy.
     * @return options with that policy.
     */
    public WalOptions withSyncPolicy(final SyncPolicy policy)
    {
        if (policy == null)
        {
            throw DurabilityException.invalidConfig("sync policy must not be null", "a SyncPolicy", null);
        }
        return new WalOptions(walDir, segmentCapacity, saltSeed, fullResumeCheck, policy, durabilityListener, nextSegment);
    }

    /** @return the sync policy (see {@link #withSyncPolicy}). */
    public SyncPolicy syncPolicy()
    {
        return syncPolicy;
    }

    /**
     * Be told, after every completed barrier of the writer, the id it made durable, and once of the
     * failure that poisons the writer: see {@link DurabilityListener}.
     *
     * @param listener the listener, or {@code null} for none.
     * @return options with that listener.
     */
    public WalOptions withDurabilityListener(final DurabilityListener listener)
    {
        return new WalOptions(walDir, segmentCapacity, saltSeed, fullResumeCheck, syncPolicy, listener, nextSegment);
    }

    /** @return the durability listener, or {@code null}. */
    public DurabilityListener durabilityListener()
    {
        return durabilityListener;
    }

    /**
     * When and where the writer creates the segment it rolls into next: see {@link NextSegment}. The
     * default, {@link NextSegment#AUTO}, names it ahead on a background thread on a filesystem directory
     * (a roll then makes no system call) and creates it at the roll on a memory one.
     *
     * @param mode the mode.
     * @return options with that mode.
     */
    public WalOptions withNextSegment(final NextSegment mode)
    {
        if (mode == null)
        {
            throw DurabilityException.invalidConfig("next-segment mode must not be null", "a NextSegment", null);
        }
        return new WalOptions(walDir, segmentCapacity, saltSeed, fullResumeCheck, syncPolicy, durabilityListener, mode);
    }

    /** @return when the next segment is created (see {@link #withNextSegment}). */
    public NextSegment nextSegment()
    {
        return nextSegment;
    }

    /** @return whether resume checks every frame (see {@link #withFullResumeCheck}). */
    public boolean fullResumeCheck()
    {
        return fullResumeCheck;
    }

    /** @return the folder holding the segments. */
    public String walDir()
    {
        return walDir;
    }

    /** @return the capacity of each segment file. */
    public int segmentCapacity()
    {
        return segmentCapacity;
    }

    /** @return the largest payload one entry may have with this segment capacity. */
    public int maxPayloadLength()
    {
        return segmentCapacity - SegmentDescriptor.HEADER_LENGTH - 2 * FrameDescriptor.HEADER_LENGTH;
    }

    @Override
    public String toString()
    {
        return "WalOptions{walDir=" + walDir + ", segmentCapacity=" + segmentCapacity +
            (saltSeed == null ? "" : ", saltSeed=" + saltSeed) + (fullResumeCheck ? ", fullResumeCheck" : "") +
            (syncPolicy.isBackground() ? ", " + syncPolicy : "") +
            (nextSegment == NextSegment.AUTO ? "" : ", nextSegment=" + nextSegment) + '}';
    }
}
