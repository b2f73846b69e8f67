#!/usr/bin/env bash
# Takes turns between two builds of Timestore on one PeerLoad command, to compare them on this
# machine: BEFORE_TREE and AFTER_TREE are two checkouts, each built with
#   ./mvnw -B -q -pl timestore-bench -am package -DskipTests
# Pair n runs after then before for odd n, before then after for even n, so that neither build
# always runs first. Each run's output is OUT_DIR/<before|after>-<n>.log; the RESULT lines of the
# aggregate are echoed as each run ends.
#
#   timestore-bench/peer-turns.sh BEFORE_TREE AFTER_TREE OUT_DIR PAIRS [PeerLoad options]
#   timestore-bench/peer-turns.sh /work/wt/before . /tmp/turns 3 --points 200000 --warmup 20000 \
#       --phases timestore --compact 1 --query-runs 1000
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
out=$3
pairs=$4
shift 4
options=("$@")
mkdir -p "$out"
java=${JAVA_HOME:+$JAVA_HOME/bin/}java

run() { # label tree
    local log="$out/$1.log"
    (cd "$2" && "$java" -cp "timestore-bench/target/classes:timestore-bench/target/lib/*" io.timestore.bench.PeerLoad "${options[@]}" > "$log" 2>&1) || true
    echo "$1 $(date -u +%T): $(grep -E 'RESULT peer-(aggregate|ingest|ratio)' "$log" | tr '\n' ' ')"
}
for ((n = 1; n <= pairs; n++)); do
    if ((n % 2 == 1)); then
        run "after-$n" "$after"
        run "before-$n" "$before"
    else
        run "before-$n" "$before"
        run "after-$n" "$after"
    fi
done
