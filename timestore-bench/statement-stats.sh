#!/usr/bin/env bash
# PostgreSQL's own count of each statement's calls, plans and time during an IngestLoad ingestion:
# pg_stat_statements, reset a few seconds into the ingestion and read ten seconds later. TREE is a
# checkout built with
#   ./mvnw -B -q -pl timestore-bench -am package -DskipTests
# in which db/OwnedCluster.java also passes the embedded cluster
#   .setServerConfig("shared_preload_libraries", "pg_stat_statements")
#   .setServerConfig("pg_stat_statements.track_planning", "on")
# (a scratch change: the server does not load the extension). Needs psql on the PATH and JAVA_HOME
# set to a JDK 25. Writes OUT
# (the table and the run's RESULT lines) and OUT.log (IngestLoad's output).
#
#   timestore-bench/statement-stats.sh TREE OUT [IngestLoad options]
#   timestore-bench/statement-stats.sh /work/wt/scratch /tmp/small-writes --points 400000 --batch 10 --series 10
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,14p' "$0" >&2
    exit 2
fi
tree=$(cd "$1" && pwd)
out=$2
shift 2
log=$out.log
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
cd "$tree"
"$java" -cp "timestore-bench/target/classes:timestore-bench/target/lib/*" io.timestore.bench.IngestLoad --phases ingest "$@" > "$log" 2>&1 &
pid=$!
until grep -q 'ingest: ' "$log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "IngestLoad ended before its ingestion; see $log" >&2; exit 1; }
    sleep 0.2
done
url=$(grep -o 'jdbc:postgresql://[^ "]*' "$log" | head -1)
port=$(echo "$url" | sed -E 's#.*:([0-9]+)/.*#\1#')
db=$(echo "$url" | sed -E 's#.*/([^/?]+).*#\1#')
sql() { psql -h localhost -p "$port" -U postgres -d "$db" "$@"; }
sleep 3
sql -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();" > "$out"
sleep 10
sql -c "SELECT calls, plans, round(total_plan_time::numeric, 1) AS plan_ms, round(total_exec_time::numeric, 1) AS exec_ms,
               left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
        FROM pg_stat_statements ORDER BY total_plan_time + total_exec_time DESC LIMIT 14" >> "$out"
wait "$pid"
grep RESULT "$log" >> "$out"
cat "$out"
