package io.durability.bench;

import io.durability.codec.DirectBufferCodec;
import io.durability.storage.mmap.MmapDirectory;
import io.durability.walog.NextSegment;
import io.durability.walog.WalOptions;
import io.durability.walog.WalWriter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 28, item 1: the service time of the one append that rolls to a new segment, once the roll's code
 * is compiled. {@code LatencyLoop} times the rolls of a realistic run (4 MiB segments, a roll every
 * 0.1-1 s): there a roll's code runs a few hundred times in a run and stays interpreted or C1-compiled.
 * Here the segments are small ({@code segmentKiB}), an untimed setup fills the current one to the last
 * frame that fits and then gives the writer's threads {@code gapMicros} to name the next segment ahead
 * (and the directory to prepare its spare), and the timed call is the one append that rolls; the
 * warm-up runs thousands of rolls, so the JIT has compiled them when the measurement starts.
 * <ul>
 *   <li>{@code rollingAppend}: that append ({@code WalWriter.append}, 1 KiB unless
 *   {@code -p payload}); it throws if it did not roll;</li>
 *   <li>{@code plainAppend}: an append that does not roll, timed the same way (the per-call floor of
 *   this method: the timer, the setup's cache effects).</li>
 * </ul>
 * {@code -p nextSegment=AT_ROLL} gives version 2's roll (file creation on the appending thread).
 * Rolls that found no segment named ahead are printed at the end of each trial.
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar RollBenchmark -p dir=/tmp
 * }</pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
    "-Xmx1g"})
public class RollBenchmark
{
    /**
     * A writer whose next append rolls ({@link Rolling}) or does not ({@link Plain}). The untimed steps are
     * the subclasses' own fixtures: JMH gives a state injected into another state's fixture an instance of
     * its own, so one state holds the writer and its fixtures.
     */
    @State(Scope.Thread)
    public static class Writer
    {
        /** Payload bytes per entry. */
        @Param("1024")
        public int payload;

        /** Segment capacity, KiB: small, so that a trial crosses thousands of rolls. */
        @Param("256")
        public int segmentKiB;

        /** How the next segment is made ({@link NextSegment}). */
        @Param("AUTO")
        public String nextSegment;

        /** Untimed pause before each timed call, for the writer's threads to name the next segment. */
        @Param("2000")
        public int gapMicros;

        /** Parent folder of the files; empty: {@code java.io.tmpdir}. */
        @Param("")
        public String dir;

        Path folder;
        MmapDirectory directory;
        WalWriter<DirectBuffer> writer;
        UnsafeBuffer value;
        /** Frames a segment holds (measured between two rolls). */
        int perSegment;
        /** The first entry id of the current segment. */
        long segmentStart;
        long rollsSeen;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            folder = BenchFolders.create(dir, true, "roll");
            directory = MmapDirectory.open(folder);
            writer = WalWriter.create(directory, DirectBufferCodec.INSTANCE, WalOptions.defaults()
                .withSegmentCapacity(segmentKiB * 1024).withNextSegment(NextSegment.valueOf(nextSegment)));
            value = BenchPayloads.direct(payload);
            segmentStart = writer.nextEntryId();
            appendUntilRoll();
            perSegment = appendUntilRoll();
            rollsSeen = writer.metrics().rolls();
        }

        /** Frames in the current segment. */
        private int inSegment()
        {
            return (int)(writer.nextEntryId() - segmentStart);
        }

        /** One append; a roll it made moves {@link #segmentStart}. @return whether it rolled. */
        private boolean appendOne()
        {
            final long segment = writer.currentSegmentId();
            final long id = writer.append(value);
            if (writer.currentSegmentId() != segment)
            {
                segmentStart = id;
                return true;
            }
            return false;
        }

        /** @return the frames the segment held that the roll left. */
        private int appendUntilRoll()
        {
            final long start = segmentStart;
            while (!appendOne())
            {
                // until the segment is full
            }
            deleteRolledPast();
            return (int)(segmentStart - start);
        }

        /** Untimed: fill the segment to its last frame (rollingAppend) and let the threads name the next one. */
        void fillThenPause(final boolean toTheLast)
        {
            final int target = toTheLast ? perSegment : perSegment - 1;
            if (inSegment() >= target)
            {
                appendUntilRoll();
            }
            while (inSegment() < target)
            {
                if (appendOne())
                {
                    throw new IllegalStateException("a segment held fewer frames than " + perSegment);
                }
            }
            rollsSeen = writer.metrics().rolls();
            pause();
        }

        void pause()
        {
            final long until = System.nanoTime() + gapMicros * 1000L;
            while (System.nanoTime() < until)
            {
                LockSupport.parkNanos(until - System.nanoTime());
            }
        }

        /** After the timed call: it must have rolled (rollingAppend) or not (plainAppend). */
        void check(final boolean rolled)
        {
            final long rolls = writer.metrics().rolls();
            if ((rolls != rollsSeen) != rolled)
            {
                throw new IllegalStateException("the timed append " + (rolled ? "did not roll" : "rolled") +
                    " (frames per segment " + perSegment + ")");
            }
            if (rolled)
            {
                segmentStart = writer.lastEntryId();
                deleteRolledPast();
            }
        }

        private void deleteRolledPast()
        {
            writer.deleteSegmentsCoveredBy(writer.lastEntryId());
        }

        @TearDown(Level.Trial)
        public void close() throws IOException
        {
            System.out.printf("%n[roll] %s: %d rolls, %d without a segment named ahead%n", nextSegment,
                writer.metrics().rolls(), writer.metrics().rollsWithoutSpare());
            writer.close();
            directory.close();
            BenchFolders.delete(folder);
        }
    }

    /** Rolling: the untimed part fills the segment to its last frame. */
    @State(Scope.Thread)
    public static class Rolling extends Writer
    {
        @Setup(Level.Invocation)
        public void fill()
        {
            fillThenPause(true);
        }

        @TearDown(Level.Invocation)
        public void rolled()
        {
            check(true);
        }
    }

    /** Not rolling: the untimed part leaves room for the timed append. */
    @State(Scope.Thread)
    public static class Plain extends Writer
    {
        @Setup(Level.Invocation)
        public void fill()
        {
            fillThenPause(false);
        }

        @TearDown(Level.Invocation)
        public void notRolled()
        {
            check(false);
        }
    }

    @Benchmark
    public long rollingAppend(final Rolling w)
    {
        return w.writer.append(w.value);
    }

    @Benchmark
    public long plainAppend(final Plain w)
    {
        return w.writer.append(w.value);
    }
}
