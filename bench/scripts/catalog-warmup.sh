#!/usr/bin/env bash
# How long reads go uncached after a schema change. A DDL through a node makes it forget what the
# catalog told it about the database; until the facts of a read's relations and functions are
# looked up again, the read goes to the origin. Each round makes a DDL (CREATE TABLE
# outpost_warmup_N), waits --pause seconds, then repeats --query until one answer comes back faster
# than --hit-below-ms (the cache), and prints how many reads went to the origin and how long they
# took together (psql's \timing, so the client's own time is in it).
#
#   bench/scripts/catalog-warmup.sh --port PORT [--rounds 6] [--pause 0.2] [--gap 0.5]
#                                   [--query "SELECT count(*) FROM orders"] [--hit-below-ms 10]
#                                   [--max-reads 200]
#
# Connects with the usual libpq variables (PGHOST, PGUSER, PGDATABASE, PGPASSWORD) to --port: a
# node with the cache on in front of a distant origin (outpost demo: PGUSER=demo PGPASSWORD=demo
# PGDATABASE=shop, port 6432, 25 ms each way). --hit-below-ms must lie between a hit and one round
# trip to the origin. The tables it creates are dropped at the end (one more DDL).
set -euo pipefail

PORT= ROUNDS=6 PAUSE=0.2 GAP=0.5 QUERY="SELECT count(*) FROM orders" HIT_BELOW_MS=10 MAX_READS=200
while [ $# -gt 0 ]; do
  case $1 in
    --port) PORT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --pause) PAUSE=$2; shift 2 ;;
    --gap) GAP=$2; shift 2 ;;
    --query) QUERY=$2; shift 2 ;;
    --hit-below-ms) HIT_BELOW_MS=$2; shift 2 ;;
    --max-reads) MAX_READS=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ -n "$PORT" ] || { echo "--port is required (see the header of $0)" >&2; exit 2; }

tag=$$
for round in $(seq 1 "$ROUNDS"); do
  # one session per round: the DDL, the pause, then the reads, each timed by psql
  timings=$({
    echo "CREATE TABLE outpost_warmup_${tag}_${round} (i int);"
    echo "SELECT pg_catalog.pg_sleep($PAUSE);"
    echo '\timing on'
    for _ in $(seq 1 "$MAX_READS"); do echo "$QUERY;"; done
  } | psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$PORT" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
  echo "$timings" | awk -v round="$round" -v hit="$HIT_BELOW_MS" '
    { if ($1 < hit) { found = 1; exit } misses++; total += $1 }
    END {
      if (!found) { printf "round %d: no read under %s ms in %d reads\n", round, hit, misses; exit }
      printf "round %d: %d reads went to the origin, %.0f ms together, then a hit\n", round, misses, total
    }'
  sleep "$GAP"
done
drops=$(for round in $(seq 1 "$ROUNDS"); do printf 'DROP TABLE IF EXISTS outpost_warmup_%s_%s; ' "$tag" "$round"; done)
psql -X -q -p "$PORT" -c "$drops" >/dev/null
