#!/usr/bin/env bash
# Issue 6: builds bench/target/benchmarks.jar, runs the JMH suite and the latency loop, and regenerates
# bench/RESULTS.md (+ charts) from the JSON results in bench/results/.
#
#   bench/run.sh --quick     # about 15 minutes on 2 cores (short iterations, smaller WALs, 2 M latency ops)
#   bench/run.sh             # full profile: about 65 minutes on 2 cores (49 measured before the zero-fill/fallocate runs)
#
# Options: --no-build (use the existing jar), --report-only (only regenerate RESULTS.md).
# Environment: BENCH_DISK_DIR (default /tmp: a real file system) and BENCH_SHM_DIR (default /dev/shm:
# tmpfs, reported as such; set it to "" to skip the tmpfs runs). Every file is created under a fresh
# temporary folder there and deleted at the end of its trial.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PROFILE=full
BUILD=1
REPORT_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --quick) PROFILE=quick ;;
    --no-build) BUILD=0 ;;
    --report-only) REPORT_ONLY=1 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-build] [--report-only]" >&2; exit 2 ;;
  esac
done
COMMAND="bench/run.sh $*"
DISK=${BENCH_DISK_DIR-/tmp}
SHM=${BENCH_SHM_DIR-/dev/shm}
RESULTS=bench/results
LOGS=bench/target/bench-logs
JAR=bench/target/benchmarks.jar
PY=$(command -v python3 || echo /usr/bin/python3)

if [[ $REPORT_ONLY == 1 ]]; then
  exec "$PY" bench/report.py
fi

if [[ $BUILD == 1 ]]; then
  mvn -q -B -ntp -pl bench -am package -DskipTests
fi

# JVM flags: Agrona 2 (ours) and Chronicle Queue on Java 17 (its analytics off: no calling home).
AGRONA_FLAGS="--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED"
CHRONICLE_FLAGS="--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED -Dchronicle.analytics.disable=true -Dchronicle.disk.monitor.disable=true"

if [[ $PROFILE == quick ]]; then
  JMH_RUN=(-f 1 -wi 1 -w 500ms -i 2 -r 1s)
  JMH_SLOW=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
  REPLAY_MIB=256
  RESUME_MIB=16,64,256
  LAT_OPS_FAST=2000000; LAT_WARMUP_FAST=500000
  LAT_OPS_SLOW=500000; LAT_WARMUP_SLOW=100000
  CKPT_REPS=3; PREALLOC_ROUNDS=2
  TAIL_OPS=300000; TAIL_WARMUP=50000; SEEK_MIB=256
  GC_SECONDS=1; GC_ROUNDS=2; GC_OPS=200000
  # About 2.5 minutes: 1 and 64 in flight, 64 B payloads; then 3 failovers (leader SIGKILLed, restarted).
  REPL_FLAGS=(--inflight 1,64 --payloads 64 --warmup 3 --first-warmup 10 --seconds 5 --failovers 3)
else
  JMH_RUN=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
  JMH_SLOW=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
  REPLAY_MIB=1024
  RESUME_MIB=16,256,1024
  # About 110 s per latency run at either rate.
  LAT_OPS_FAST=50000000; LAT_WARMUP_FAST=5000000
  LAT_OPS_SLOW=10000000; LAT_WARMUP_SLOW=1000000
  CKPT_REPS=11; PREALLOC_ROUNDS=5
  # About 33 s per tailer run at 100 k/s.
  TAIL_OPS=3000000; TAIL_WARMUP=300000; SEEK_MIB=1024
  # About 2.5 minutes: 8 throughput modes x 3 rounds x 3 s, then 4 ack modes x 3 rounds x 2 s at 100 k/s.
  GC_SECONDS=3; GC_ROUNDS=3; GC_OPS=600000
  # About 6-7 minutes: 1, 64, 1024 and 8192 in flight x 64 B and 1 KiB payloads, each point 5 s of
  # warm-up (20 s for the first of each mode) and a 10 s window; replicated and local interleaved; then
  # 5 failovers (the leader SIGKILLed under 64 appends in flight, then restarted), about a minute more.
  REPL_FLAGS=(--inflight 1,64,1024,8192 --payloads 64,1024 --warmup 5 --first-warmup 20 --seconds 10 --failovers 5)
fi
# The page warmer's configuration measured beside the defaults (see MmapOptions.withPageWarmer).
WARM_OPTS=(--prealloc fallocate --warmer 1048576)

mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS"/*.json "$RESULTS"/*.svg

"$PY" - "$PROFILE" "$COMMAND" "$DISK" "$SHM" > "$RESULTS/meta.json" <<'PYEOF'
import json, os, subprocess, sys, time
profile, command, disk, shm = sys.argv[1:5]
def cpu():
    for line in open('/proc/cpuinfo'):
        if line.startswith('model name'):
            return line.split(':', 1)[1].strip()
    return 'unknown'
def mem_gib():
    for line in open('/proc/meminfo'):
        if line.startswith('MemTotal'):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
def fstype(path):
    if not path:
        return ''
    try:
        return subprocess.run(['df', '--output=fstype', path], capture_output=True, text=True).stdout.split()[-1]
    except Exception:
        return 'unknown'
java = subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.strip().splitlines()
json.dump({
    'profile': profile, 'command': command, 'started': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()),
    'nproc': os.cpu_count(), 'cpu': cpu(), 'memGiB': mem_gib(), 'kernel': os.uname().release,
    'java': java, 'diskDir': disk, 'diskFs': fstype(disk), 'shmDir': shm, 'shmFs': fstype(shm),
    'loadBefore': open('/proc/loadavg').read().split()[:3],
}, sys.stdout, indent=1)
PYEOF

jmh() { # name, then JMH arguments
  local name=$1; shift
  echo "== JMH $name: $*"
  java -jar "$JAR" "$@" -prof gc -rf json -rff "$RESULTS/$name.json" > "$LOGS/$name.log" 2>&1 \
    || { echo "JMH $name failed; see $LOGS/$name.log" >&2; tail -20 "$LOGS/$name.log" >&2; exit 1; }
}

START=$(date +%s)
B=io.durability.bench
# Append, no sync, 64..4096 B: ours vs Chronicle Queue vs buffered FileChannel WAL vs raw framed mmap.
jmh append-disk "$B.AppendBenchmark\.(?!walCodecMmapZeroFill$|walCodecMmapFallocate$).*" -p dir="$DISK" "${JMH_RUN[@]}"
if [[ -n $SHM ]]; then
  jmh append-tmpfs "$B.AppendBenchmark.(walCodecMmap|walCodecMmapBetweenRolls|chronicleWritingDocument|rawFramedMmap)$" -p dir="$SHM" "${JMH_RUN[@]}"
fi
# Zero-fill against fallocate, explicitly (whatever the defaults are), on both file systems; and the seed's burst.
PRE_DIRS=$DISK; [[ -n $SHM ]] && PRE_DIRS="$DISK,$SHM"
jmh append-prealloc "$B.AppendBenchmark.(walCodecMmapZeroFill|walCodecMmapFallocate)$" -p dir="$PRE_DIRS" "${JMH_RUN[@]}"
jmh seed-prealloc "$B.SeedWorkloadBenchmark.append10k$" -p dir="$PRE_DIRS" -p preTouch=AUTO -p prealloc=ZERO_FILL,FALLOCATE "${JMH_RUN[@]}"
jmh batch "$B.AppendBatchBenchmark.*" -p dir="$DISK" "${JMH_RUN[@]}"
# The seed's workload (10 000 AddSegment entries, fresh WAL, real file) and its replay.
SEED_DIRS=$DISK; [[ -n $SHM ]] && SEED_DIRS="$DISK,$SHM"
jmh seed "$B.SeedWorkloadBenchmark.*" -p dir="$SEED_DIRS" "${JMH_RUN[@]}"
# Barriers: flushAndSync per append and per 64, beside raw msync / fdatasync / fsync of the same bytes.
jmh sync "$B.MmapForceBenchmark.*" -p dir="$DISK" "${JMH_SLOW[@]}"
# Replay GB/s (strict, CRC) and resume time by WAL size.
jmh replay "$B.ReplayResumeBenchmark.replayFramesStrict" -p dir="$DISK" -p walMiB="$REPLAY_MIB" "${JMH_SLOW[@]}"
jmh resume "$B.ReplayResumeBenchmark.resumeClose" -p dir="$DISK" -p walMiB="$RESUME_MIB" "${JMH_SLOW[@]}"

# Latency percentiles, fixed rate, no coordinated omission: on disk, at 500 k/s and 100 k/s; ours with the
# defaults and with the page warmer; Chronicle Queue; the raw store loop (the floor).
latency() { # file tag, rate, ops, warmup, then LatencyLoop arguments
  local tag=$1 rate=$2 ops=$3 warmup=$4; shift 4
  echo "== latency $tag"
  java $AGRONA_FLAGS $CHRONICLE_FLAGS -Xmx1g -cp "$JAR" $B.LatencyLoop --ops "$ops" --warmup "$warmup" \
    --rate "$rate" --payload 64 --segment-mib 4 --dir "$DISK" "$@" \
    --out "$RESULTS/latency-$tag.json" > "$LOGS/latency-$tag.log" 2>&1 \
    || { echo "latency $tag failed; see $LOGS/latency-$tag.log" >&2; exit 1; }
}
for rate in 500000 100000; do
  k=$((rate / 1000))k
  if [[ $rate == 500000 ]]; then ops=$LAT_OPS_FAST; warm=$LAT_WARMUP_FAST; else ops=$LAT_OPS_SLOW; warm=$LAT_WARMUP_SLOW; fi
  latency "ours-$k" $rate $ops $warm --system ours
  latency "ours-warmer-$k" $rate $ops $warm --system ours "${WARM_OPTS[@]}"
  latency "chronicle-$k" $rate $ops $warm --system chronicle
  latency "raw-$k" $rate $ops $warm --system raw
done

# Writer -> tailer latency (issue 15), ours beside Chronicle Queue's tailer, threads and processes; seek in a WAL.
for across in threads processes; do
  for system in ours chronicle; do
    echo "== tailer $system $across"
    java $AGRONA_FLAGS $CHRONICLE_FLAGS -Xmx1g -cp "$JAR" $B.TailerLatency --system $system --across $across \
      --ops $TAIL_OPS --warmup $TAIL_WARMUP --rate 100000 --dir "$DISK" --out "$RESULTS/tailer-$system-$across.json" \
      > "$LOGS/tailer-$system-$across.log" 2>&1 || { echo "tailer $system $across failed; see $LOGS/tailer-$system-$across.log" >&2; exit 1; }
  done
done
echo "== tailer seek"
java $AGRONA_FLAGS -Xmx1g -cp "$JAR" $B.TailerLatency --seek $SEEK_MIB --dir "$DISK" --out "$RESULTS/tailer-seek.json" \
  > "$LOGS/tailer-seek.log" 2>&1 || { echo "tailer seek failed; see $LOGS/tailer-seek.log" >&2; exit 1; }

# Checkpoints at scale (the demo's 900 000-segment state) against reading + CRC-checking its bytes.
echo "== checkpoint scale"
java $AGRONA_FLAGS -Xmx4g -cp "$JAR" $B.CheckpointScale --reps $CKPT_REPS --dir "$DISK" \
  --out "$RESULTS/checkpoint.json" > "$LOGS/checkpoint.log" 2>&1 \
  || { echo "checkpoint scale failed; see $LOGS/checkpoint.log" >&2; exit 1; }

# Preallocation, ranged barriers and the page warmer through the public API, interleaved.
echo "== preallocation probe"
java $AGRONA_FLAGS -Xmx1g -cp "$JAR" $B.PreallocationProbe "$DISK" $PREALLOC_ROUNDS "$RESULTS/prealloc.json" \
  > "$LOGS/prealloc.log" 2>&1 || { echo "preallocation probe failed; see $LOGS/prealloc.log" >&2; exit 1; }

# Group commit (issue 16): throughput with no sync / flushAndSync per 64 / every 1 ms / continuous, Chronicle
# beside it, the raw proxy (stores + an fdatasync loop), and ack latency at a paced 100 k/s; interleaved rounds.
echo "== group commit"
java $AGRONA_FLAGS $CHRONICLE_FLAGS -Xmx1g -cp "$JAR" $B.GroupCommitProbe --dir "$DISK" --seconds $GC_SECONDS \
  --rounds $GC_ROUNDS --ops $GC_OPS --warmup 100000 --rate 100000 --out "$RESULTS/group-commit.json" \
  > "$LOGS/group-commit.log" 2>&1 || { echo "group commit probe failed; see $LOGS/group-commit.log" >&2; exit 1; }

# Replication (issue 17): three member JVMs on 127.0.0.1 and a writer keeping N appends in flight, beside our
# local WAL (continuous group commit with N in flight; flushAndSync per append) on the same disk; per member CPU,
# storage writes and JIT activity in each window; then failovers (the leader SIGKILLed, kill to the first ack of an
# append sent after it; the member restarted); then every member's WAL is checked (lost=0, duplicated=0).
# Election timeout: ReplicationOptions' default (500-1000 ms) for members and writer; REPL_ELECTION=1000,2000 to compare.
echo "== replication"
java $AGRONA_FLAGS -Xmx1g -cp "$JAR" $B.ReplicationBench "${REPL_FLAGS[@]}" --election-ms "${REPL_ELECTION:-default}" --dir "$DISK" \
  --out "$RESULTS/replication.json" > "$LOGS/replication.log" 2>&1 \
  || { echo "replication bench failed; see $LOGS/replication.log" >&2; exit 1; }

# Diagnostics: page-fault, barrier and pre-touch costs behind the numbers (about 10 s).
echo "== probes"
java $AGRONA_FLAGS -Xmx1g -cp "$JAR" $B.Probes "$DISK" "$RESULTS/probes.json" > "$LOGS/probes.log" 2>&1 \
  || { echo "probes failed; see $LOGS/probes.log" >&2; exit 1; }

"$PY" - "$RESULTS/meta.json" "$START" <<'PYEOF'
import json, sys, time
path, start = sys.argv[1], int(sys.argv[2])
meta = json.load(open(path))
meta['finished'] = time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())
meta['seconds'] = int(time.time()) - start
meta['loadAfter'] = open('/proc/loadavg').read().split()[:3]
json.dump(meta, open(path, 'w'), indent=1)
PYEOF

"$PY" bench/report.py
echo "bench/RESULTS.md written ($(( $(date +%s) - START )) s)"
