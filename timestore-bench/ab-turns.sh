#!/usr/bin/env bash
# An A/B of two builds taking turns on one machine (IngestLoad --turns, see Turns.java): both
# servers start, then ingest, warm up and serve paced slices of the cheap read one after the
# other in the order ABBA ABBA ...; PairedSlices compares the slices pair by pair.
#
#   timestore-bench/ab-turns.sh A_TREE B_TREE OUT_DIR [IngestLoad options]
#
# Each tree is a checkout with its bench module built (./mvnw -B -q -pl timestore-bench -am package
# -DskipTests) and this module's IngestLoad, Turns, CpuUsage and KeepAliveClient in it. Options
# after OUT_DIR go to both processes, e.g. --points 1000000 --rate 300 --audit-seconds 20
# --turn-slices 16 --set.points.compaction.enabled false (a setting the other build may not know
# goes to that build alone through A_OPTIONS / B_OPTIONS in the environment).
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0"; exit 2; }
a_tree="$(cd "$1" && pwd)"; b_tree="$(cd "$2" && pwd)"; out="$3"; shift 3
mkdir -p "$out"
out="$(cd "$out" && pwd)"
echo 0 > "$out/turns"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
run() { # tree name options...
  local tree="$1" name="$2"; shift 2
  (cd "$tree" && exec "$java_bin" -cp "timestore-bench/target/classes:timestore-bench/target/lib/*" \
      io.timestore.bench.IngestLoad --phases ingest,audit --turns "$out/turns" --turn "$name" "$@") > "$out/$name.log" 2>&1
}
# shellcheck disable=SC2086 # the per-build options are words
run "$a_tree" A "$@" ${A_OPTIONS:-} & a=$!
# shellcheck disable=SC2086
run "$b_tree" B "$@" ${B_OPTIONS:-} & b=$!
trap 'kill $a $b 2>/dev/null || true' EXIT
wait $a; wait $b
trap - EXIT
"$java_bin" -cp "$b_tree/timestore-bench/target/classes:$b_tree/timestore-bench/target/lib/*" io.timestore.bench.PairedSlices \
    "$out/A.log" "$out/B.log" | tee "$out/paired.txt"
