#!/usr/bin/env bash
# Regenerates the README's "Sample output" of the command-line tool from real runs, in /tmp.
# Usage (after 'mvn -q -B -ntp -pl cli -am package -DskipTests'): bash docs/cli-samples.sh
set -uo pipefail
cd "$(dirname "$0")/.."
JAR="$PWD/cli/target/durability.jar"
FLAG="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
durability() { java -jar "$JAR" "$@"; }
run() { echo "\$ durability $*"; durability "$@" 2>&1; echo; }
run_exit() { echo "\$ durability $*; echo \"exit \$?\""; durability "$@" 2>&1; echo "exit $?"; echo; }

rm -rf /tmp/wal-demo /tmp/wal-torn /tmp/wal-copy /tmp/wal-lock
echo '```'
run demo --entries 100000 --segment-mib 1 /tmp/wal-demo
run inspect /tmp/wal-demo
run dump /tmp/wal-demo --from 99999 --format json
run dump /tmp/wal-demo --from 99999 --to 100000 --codec raw
# The torn image: 20 unsynced entries, the folder copied while the writer had them (a crash), then one
# 512-byte sector past the durable watermark zeroed, as a power cut that lost that sector leaves it.
read -r SEGMENT END < <(java $FLAG -cp "$JAR" docs/TornImage.java /tmp/wal-demo /tmp/wal-torn)
dd if=/dev/zero of="/tmp/wal-torn/$SEGMENT" bs=512 seek=$(( END / 512 + 1 )) count=1 conv=notrunc status=none
run_exit verify /tmp/wal-torn
run repair /tmp/wal-torn
run verify /tmp/wal-torn
run checkpoint show /tmp/wal-demo/checkpoints/checkpoint-00000000000000100000.chk
run_exit dump /tmp/wal-demo --from 1 --to 10
echo '```'
echo
echo '```'
# One byte of acknowledged data changed in a copy of the demo's WAL.
cp -r /tmp/wal-demo /tmp/wal-copy
SEG=$(ls /tmp/wal-copy/wal | head -1)
printf '\xff' | dd of="/tmp/wal-copy/wal/$SEG" bs=1 seek=100 conv=notrunc status=none
run_exit repair /tmp/wal-copy
# A demo still running in another process holds the lock.
# (java itself in the background, so that $! is its pid; bounded in size in case it is left running.)
java -jar "$JAR" demo --entries 20000000 --segment-mib 1 /tmp/wal-lock > /dev/null 2>&1 &
DEMO=$!
trap 'kill $DEMO 2>/dev/null' EXIT
while [ ! -e /tmp/wal-lock/wal/wal-2.seg ]; do sleep 0.1; done
run_exit repair /tmp/wal-lock
kill $DEMO; wait $DEMO 2>/dev/null
run_exit verify /tmp
run_exit verify /tmp/wal-demo/wal
run_exit verify /tmp/wal-demo --wal-dir ../etc
echo '```'
rm -rf /tmp/wal-torn /tmp/wal-copy /tmp/wal-lock
