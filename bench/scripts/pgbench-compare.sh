#!/usr/bin/env bash
# Side-by-side pgbench runs on one machine, interleaved, origin on loopback:
#
#   pooling   pgbench -S (built-in select-only) through direct Postgres, PgBouncer (transaction
#             mode, pool 20) and Outpost (transaction mode, pool 20, cache off); with --with-relay
#             also through a bare Netty byte relay (outpost-bench wan --delay 0ms: one origin
#             connection per client, no protocol parsing), the floor a JVM proxy starts from
#   hits      a hot set of keys (one of --hot-keys rows) through direct Postgres, pgpool-II with
#             its in-memory query cache (shmem), PgBouncer and Outpost (cache on)
#   latency   one client, the hot-set read: p50/p99 per transaction, direct versus an Outpost hit
#   connect   a new connection + authentication + one cached read per transaction (pgbench -C)
#             with the origin --rtt away: direct, PgBouncer at the edge, Outpost at the edge
#
# in the three protocol modes (-M simple, extended, prepared). Prints one table per part and
# writes the raw pgbench output next to it. Needs pgbench and, for the peers, pgbouncer and pgpool
# (apt-get install pgbouncer pgpool2); a missing peer is skipped and said so.
#
#   bench/scripts/pgbench-compare.sh [--duration 15] [--warmup 5] [--rounds 1] [--clients 8]
#                                    [--jobs N] [--hot-keys 1000] [--rtt 40] [--with-relay]
#                                    [--parts pooling,hits,latency,connect] [--out DIR]
#                                    [--proxy-cpus LIST --load-cpus LIST] [--also-java PATH]
#                                    [--also-flags "FLAGS"]
#
# --jobs is pgbench's -j (its threads; default: one per client). On a machine with few cores,
# pgbench's own threads compete with the endpoint for CPU; -j equal to the core count leaves more
# of it to the endpoint (the tables say which -j was used).
#
# --proxy-cpus and --load-cpus (taskset lists, e.g. 1 and 0) pin the proxies (Outpost, PgBouncer,
# pgpool-II, the relay) to the first and the origin Postgres and pgbench to the second: the proxy
# then has cores of its own, as on a host of its own, instead of competing with the load for them.
#
# --also-java PATH (pooling) adds a second cache-off Outpost run by that JVM (e.g. a newer JDK's
# bin/java), labelled outpost-nocache-alt, to compare runtimes in the same interleaved rounds.
# --also-flags "FLAGS" (pooling) adds a second cache-off Outpost started with these extra `serve`
# flags (e.g. "--worker-threads 1"), labelled outpost-nocache-flags, to compare a setting in the
# same interleaved rounds.
#
# Every endpoint first runs --warmup seconds per mode, unrecorded (the JVM compiles its hot path;
# a node in production runs warm). Errors pgbench reports (aborted clients, failed transactions)
# are counted in the tables: a fast run with errors is not a result.
#
# With --rounds N (N > 1) the pooling and hits parts run every endpoint N times per mode, the
# order rotated each time; the tables give the median tps with the range, and "vs direct" is the
# median of the per-round ratios (each against direct in the same round), which a machine whose
# speed drifts (shared cores, steal time) disturbs much less than one ratio of two single runs.
#
# Builds nothing: run `mvn -B -q -DskipTests package` first (proxy/target/outpost.jar and
# bench/target/outpost-bench.jar). The origin is the demo's embedded Postgres (`outpost demo`).
set -euo pipefail

DURATION=15
WARMUP=5
ROUNDS=1
CLIENTS=8
JOBS=
WITH_RELAY=0
HOT_KEYS=1000
RTT_MS=40
PARTS=pooling,hits,latency,connect
OUT=
PROXY_CPUS=
LOAD_CPUS=
ALSO_JAVA=
ALSO_FLAGS=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --with-relay) WITH_RELAY=1; shift ;;
    --hot-keys) HOT_KEYS=$2; shift 2 ;;
    --rtt) RTT_MS=$2; shift 2 ;;
    --parts) PARTS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --proxy-cpus) PROXY_CPUS=$2; shift 2 ;;
    --load-cpus) LOAD_CPUS=$2; shift 2 ;;
    --also-java) ALSO_JAVA=$2; shift 2 ;;
    --also-flags) ALSO_FLAGS=$2; shift 2 ;;
    -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -n $PROXY_CPUS && -z $LOAD_CPUS || -z $PROXY_CPUS && -n $LOAD_CPUS ]]; then
  echo "--proxy-cpus and --load-cpus go together" >&2; exit 2
fi
ON_PROXY=()
ON_LOAD=()
PINNED=
if [ -n "$PROXY_CPUS" ]; then
  ON_PROXY=(taskset -c "$PROXY_CPUS")
  ON_LOAD=(taskset -c "$LOAD_CPUS")
  PINNED=", proxies on CPU $PROXY_CPUS, origin and pgbench on CPU $LOAD_CPUS"
fi

jobs_for() { # pgbench -j for a run with $1 clients: --jobs, at most one per client
  local j=${JOBS:-$1}
  [ "$j" -le "$1" ] && echo "$j" || echo "$1"
}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUTPOST_JAR=$ROOT/proxy/target/outpost.jar
BENCH_JAR=$ROOT/bench/target/outpost-bench.jar
for jar in "$OUTPOST_JAR" "$BENCH_JAR"; do
  [ -f "$jar" ] || { echo "missing $jar: run mvn -B -q -DskipTests package first" >&2; exit 2; }
done
command -v pgbench >/dev/null || { echo "pgbench is not installed" >&2; exit 2; }
OUT=${OUT:-$(mktemp -d /tmp/pgbench-compare.XXXXXX)}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/pgbench-compare-work.XXXXXX)
chmod 755 "$WORK"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # port seconds
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2; return 1; }
    sleep 0.2
  done
}

part() { [[ ",$PARTS," == *",$1,"* ]]; }

export PGPASSWORD=demo PGSSLMODE=disable PGUSER=demo PGDATABASE=shop PGHOST=127.0.0.1

# ---- the origin: the demo's embedded Postgres ---------------------------------------------------
DEMO_PORT=$(free_port)
${ON_LOAD[@]+"${ON_LOAD[@]}"} java -jar "$OUTPOST_JAR" demo --wan-delay 0ms --listen "127.0.0.1:$DEMO_PORT" >"$WORK/demo.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q "outpost demo ready" "$WORK/demo.log" && break; sleep 0.2; done
ORIGIN_PORT=$(sed -n 's/.*embedded Postgres on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/demo.log" | head -1)
[ -n "$ORIGIN_PORT" ] || { echo "the demo origin did not start; see $WORK/demo.log" >&2; exit 1; }
ORIGIN_VERSION=$(psql -p "$ORIGIN_PORT" -Atc 'SHOW server_version')
${ON_LOAD[@]+"${ON_LOAD[@]}"} pgbench -p "$ORIGIN_PORT" -i -s 10 -q >"$OUT/pgbench-init.log" 2>&1
cat >"$WORK/hot.sql" <<EOF
\set aid random(1, $HOT_KEYS)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
EOF
cat >"$WORK/one.sql" <<EOF
SELECT abalance FROM pgbench_accounts WHERE aid = 1;
EOF

# ---- the endpoints --------------------------------------------------------------------------
declare -A PORT
PORT[direct]=$ORIGIN_PORT

start_outpost() { # label origin-port extra-flags...
  local label=$1 origin=$2; shift 2
  local port; port=$(free_port)
  ${ON_PROXY[@]+"${ON_PROXY[@]}"} "${PROXY_JAVA:-java}" -Xmx512m -jar "$OUTPOST_JAR" serve --listen "127.0.0.1:$port" \
    --origin "postgresql://demo:demo@127.0.0.1:$origin/shop?sslmode=disable" \
    --pool-mode transaction --pool-size 20 "$@" >"$OUT/$label.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" 60
  PORT[$label]=$port
}

start_pgbouncer() { # label origin-port [auth-type]
  command -v pgbouncer >/dev/null || { echo "pgbouncer not installed: skipped" | tee -a "$OUT/skipped.txt"; return 0; }
  local label=$1 origin=$2 auth=${3:-scram-sha-256} dir=$WORK/$1 port; port=$(free_port)
  mkdir -p "$dir"
  printf '"demo" "demo"\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
shop = host=127.0.0.1 port=$origin dbname=shop
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = $auth
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
EOF
  chmod -R a+rwX "$dir"
  if [ "$(id -u)" = 0 ]; then
    ${ON_PROXY[@]+"${ON_PROXY[@]}"} pgbouncer -u nobody "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
  else
    ${ON_PROXY[@]+"${ON_PROXY[@]}"} pgbouncer "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
  fi
  PIDS+=($!)
  wait_port "$port" 30
  PORT[$label]=$port
}

start_pgpool_cache() { # label origin-port
  command -v pgpool >/dev/null || { echo "pgpool not installed: skipped" | tee -a "$OUT/skipped.txt"; return 0; }
  local label=$1 origin=$2 dir=$WORK/$1 port pcp; port=$(free_port); pcp=$(free_port)
  mkdir -p "$dir/oiddir"
  cat >"$dir/pgpool.conf" <<EOF
backend_clustering_mode = 'raw'
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
pcp_listen_addresses = ''
pcp_port = $pcp
pcp_socket_dir = '$dir'
backend_hostname0 = '127.0.0.1'
backend_port0 = $origin
backend_weight0 = 1
backend_flag0 = 'DISALLOW_TO_FAILOVER'
enable_pool_hba = off
pool_passwd = '$dir/pool_passwd'
num_init_children = 32
max_pool = 1
connection_cache = on
memory_cache_enabled = on
memqcache_method = 'shmem'
memqcache_total_size = 64MB
memqcache_max_num_cache = 100000
memqcache_expire = 60
memqcache_oiddir = '$dir/oiddir'
load_balance_mode = off
health_check_period = 0
sr_check_period = 0
failover_on_backend_error = off
log_destination = 'stderr'
logdir = '$dir'
pid_file_name = '$dir/pgpool.pid'
EOF
  echo "demo:TEXTdemo" >"$dir/pool_passwd"
  chmod 600 "$dir/pool_passwd"
  : >"$dir/pcp.conf"; : >"$dir/pool_hba.conf"
  ${ON_PROXY[@]+"${ON_PROXY[@]}"} pgpool -n -f "$dir/pgpool.conf" -F "$dir/pcp.conf" -a "$dir/pool_hba.conf" >"$dir/pgpool.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port" 30
  PORT[$label]=$port
}

# pgbench against an endpoint: label mode clients script-or-S seconds [extra pgbench flags]
pgbench_at() {
  local label=$1 mode=$2 clients=$3 script=$4 seconds=$5; shift 5
  local what=(-S)
  [ "$script" = S ] || what=(-f "$script")
  ${ON_LOAD[@]+"${ON_LOAD[@]}"} pgbench -n -p "${PORT[$label]}" -M "$mode" -c "$clients" -j "$(jobs_for "$clients")" -T "$seconds" "${what[@]}" "$@"
}

# One recorded run: label mode clients script-or-S out-file [extra pgbench flags]
run_pgbench() {
  local label=$1 mode=$2 clients=$3 script=$4 file=$5; shift 5
  [ -n "${PORT[$label]:-}" ] || return 0
  if ! pgbench_at "$label" "$mode" "$clients" "$script" "$DURATION" "$@" >"$file" 2>&1; then
    echo "failed" >>"$file"
  fi
}

tps_of() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -1; }
lat_of() { sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$1" | head -1; }
conn_of() { sed -n 's/^average connection time = \([0-9.]*\) ms/\1/p' "$1" | head -1; }
failed_of() { grep -m1 -E 'ERROR|FATAL|failed|aborted' "$1" | cut -c1-100 || true; }
# errors in a finished run: clients that aborted, failed transactions (pgbench 15+ counts those),
# and every other error pgbench reported — an error while it prepares its statements (PgBouncer's
# "prepared statement "P_0" already exists" in -M prepared) neither aborts a client nor fails a
# transaction, yet it is an error the application would have seen
errors_of() {
  local aborted failed other
  aborted=$(grep -c 'aborted in command' "$1" || true)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1" | head -1)
  other=$(grep '^pgbench: error:' "$1" | grep -vc 'aborted in command' || true)
  echo $((aborted + ${failed:-0} + other))
}
warm() { # label mode clients script
  [ -n "${PORT[$1]:-}" ] && [ "$WARMUP" -gt 0 ] || return 0
  pgbench_at "$1" "$2" "$3" "$4" "$WARMUP" >/dev/null 2>&1 || true
}

# Runs every label in every mode (--rounds times), rotating the order; writes and prints the table.
compare() { # title script clients labels...
  local title=$1 script=$2 clients=$3; shift 3
  local labels=("$@") modes=(simple extended prepared) table=$OUT/$title.md
  local i=0 round
  for ((round = 1; round <= ROUNDS; round++)); do
    for mode in "${modes[@]}"; do
      local n=${#labels[@]} order=()
      for ((k = 0; k < n; k++)); do order+=("${labels[$(((k + i) % n))]}"); done
      i=$((i + 1))
      for label in "${order[@]}"; do
        echo "  $title: $label -M $mode (round $round of $ROUNDS)" >&2
        [ "$round" -gt 1 ] || warm "$label" "$mode" "$clients" "$script"
        run_pgbench "$label" "$mode" "$clients" "$script" "$(result_file "$title" "$label" "$mode" "$round")"
      done
    done
  done
  {
    if [ "$ROUNDS" -gt 1 ]; then
      echo "### $title ($clients clients, pgbench -j $(jobs_for "$clients"), $ROUNDS rounds of ${DURATION}s each, origin on loopback, Postgres $ORIGIN_VERSION$PINNED)"
      echo
      echo "| mode | endpoint | tps (median) | tps range | latency avg ms (median) | vs direct (median of rounds) | errors |"
      echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    else
      echo "### $title ($clients clients, pgbench -j $(jobs_for "$clients"), ${DURATION}s each, origin on loopback, Postgres $ORIGIN_VERSION$PINNED)"
      echo
      echo "| mode | endpoint | tps | latency avg ms | vs direct | errors |"
      echo "| --- | --- | ---: | ---: | ---: | ---: |"
    fi
    for mode in "${modes[@]}"; do
      for label in "${labels[@]}"; do
        table_row "$title" "$label" "$mode"
      done
    done
    echo
  } >"$table"
  cat "$table"
}

result_file() { # title label mode round
  if [ "$ROUNDS" -gt 1 ]; then echo "$OUT/$1-$2-$3-r$4.txt"; else echo "$OUT/$1-$2-$3.txt"; fi
}

table_row() { # title label mode: one row of the table over all rounds
  local title=$1 label=$2 mode=$3 round tpss=() lats=() ratios=() errors=0 why=""
  for ((round = 1; round <= ROUNDS; round++)); do
    local f d; f=$(result_file "$title" "$label" "$mode" "$round"); d=$(result_file "$title" direct "$mode" "$round")
    [ -f "$f" ] || { echo "| $mode | $label | not run | | | |"; return; }
    local tps e; tps=$(tps_of "$f"); e=$(errors_of "$f")
    if [ "$e" != 0 ]; then errors=$((errors + e)); why=$(failed_of "$f" | tr '|' '/'); fi
    [ -n "$tps" ] || { echo "| $mode | $label | failed: $(failed_of "$f" | tr '|' '/') | | | |"; return; }
    tpss+=("$tps"); lats+=("$(lat_of "$f")")
    local direct; direct=$(tps_of "$d")
    [ -n "$direct" ] && ratios+=("$(python3 -c "print($tps/$direct)")")
  done
  [ "$errors" = 0 ] || errors="$errors: $why"
  python3 - "$mode" "$label" "$ROUNDS" "$errors" "${tpss[*]}" "${lats[*]}" "${ratios[*]}" <<'PY'
import statistics, sys
mode, label, rounds, errors, tpss, lats, ratios = sys.argv[1:]
tps = [float(x) for x in tpss.split()]
lat = [float(x) for x in lats.split()]
ratio = [float(x) for x in ratios.split()]
r = f"{statistics.median(ratio):.2f}×" if ratio else ""
if int(rounds) > 1:
    print(f"| {mode} | {label} | {statistics.median(tps):.0f} | {min(tps):.0f}–{max(tps):.0f} | "
          f"{statistics.median(lat):.3f} | {r} | {errors} |")
else:
    print(f"| {mode} | {label} | {tps[0]:.0f} | {lat[0]:.3f} | {r} | {errors} |")
PY
}

percentiles() { # pgbench -l log files... → "p50 p99" in ms (column 3 is the latency in µs)
  cat "$@" | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {
    if (NR == 0) { print "- -"; exit }
    printf "%.3f %.3f\n", a[int(NR*0.50)+1]/1000, a[int(NR*0.99)+1]/1000 }'
}

echo "results in $OUT" >&2
if part pooling || part hits || part latency; then
  start_outpost outpost-nocache "$ORIGIN_PORT" --cache off
  start_outpost outpost-cache "$ORIGIN_PORT" --cache on --cache-max-age 10m
  start_pgbouncer pgbouncer "$ORIGIN_PORT"
fi
part hits && start_pgpool_cache pgpool-cache "$ORIGIN_PORT"
POOLING=(direct pgbouncer outpost-nocache)
if part pooling && [ -n "$ALSO_JAVA" ]; then
  "$ALSO_JAVA" -version 2>&1 | head -1 >"$OUT/outpost-nocache-alt.java"
  PROXY_JAVA=$ALSO_JAVA start_outpost outpost-nocache-alt "$ORIGIN_PORT" --cache off
  POOLING+=(outpost-nocache-alt)
fi
if part pooling && [ -n "$ALSO_FLAGS" ]; then
  echo "$ALSO_FLAGS" >"$OUT/outpost-nocache-flags.flags"
  # shellcheck disable=SC2086 # the flags are words on purpose
  start_outpost outpost-nocache-flags "$ORIGIN_PORT" --cache off $ALSO_FLAGS
  POOLING+=(outpost-nocache-flags)
fi
if part pooling && [ "$WITH_RELAY" = 1 ]; then
  RELAY_PORT=$(free_port)
  ${ON_PROXY[@]+"${ON_PROXY[@]}"} java -jar "$BENCH_JAR" wan --listen "127.0.0.1:$RELAY_PORT" --target "127.0.0.1:$ORIGIN_PORT" --delay 0ms \
    --no-handshake >"$OUT/netty-relay.log" 2>&1 &
  PIDS+=($!)
  wait_port "$RELAY_PORT" 30
  PORT[netty-relay]=$RELAY_PORT
  POOLING+=(netty-relay)
fi

part pooling && compare pooling S "$CLIENTS" "${POOLING[@]}"
part hits && compare hits "$WORK/hot.sql" "$CLIENTS" direct pgpool-cache pgbouncer outpost-cache

if part latency; then
  {
    echo "### latency (1 client, hot-set read, -M prepared, ${DURATION}s each)"
    echo
    echo "| endpoint | p50 ms | p99 ms |"
    echo "| --- | ---: | ---: |"
  } >"$OUT/latency.md"
  for label in direct outpost-cache; do
    warm "$label" prepared 1 "$WORK/hot.sql"
    (cd "$WORK" && rm -f pgbench_log.* && run_pgbench "$label" prepared 1 "$WORK/hot.sql" "$OUT/latency-$label.txt" -l \
      && read -r p50 p99 < <(percentiles "$WORK"/pgbench_log.*) && echo "| $label | $p50 | $p99 |" >>"$OUT/latency.md")
  done
  echo >>"$OUT/latency.md"
  cat "$OUT/latency.md"
fi

if part connect; then
  half=$((RTT_MS / 2))
  WAN_PORT=$(free_port)
  java -jar "$BENCH_JAR" wan --listen "127.0.0.1:$WAN_PORT" --target "127.0.0.1:$ORIGIN_PORT" --delay "${half}ms" \
    >"$OUT/wan.log" 2>&1 &
  PIDS+=($!)
  wait_port "$WAN_PORT" 30
  PORT[direct-wan]=$WAN_PORT
  # The demo origin trusts loopback logins, so direct-wan pays no password exchange; the edge
  # poolers are measured with SCRAM (what a real origin asks for) and with trust (like for like).
  start_outpost edge-outpost-scram "$WAN_PORT" --cache on --cache-max-age 10m --auth scram
  start_outpost edge-outpost-trust "$WAN_PORT" --cache on --cache-max-age 10m --auth trust
  start_pgbouncer edge-pgbouncer-scram "$WAN_PORT" scram-sha-256
  start_pgbouncer edge-pgbouncer-trust "$WAN_PORT" trust
  labels=(direct-wan edge-pgbouncer-scram edge-outpost-scram edge-pgbouncer-trust edge-outpost-trust)
  {
    echo "### new connection + one read of one row (pgbench -C, 1 client, -M simple, origin ${RTT_MS} ms round trip away)"
    echo
    echo "Outpost answers the read from its cache; PgBouncer forwards it over a warm pooled connection."
    echo "The origin itself trusts loopback logins (no password round trips for direct-wan)."
    echo
    echo "| endpoint | client auth | per transaction ms (connect + auth + read + close) | avg connection ms | tps | errors |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
  } >"$OUT/connect.md"
  for label in "${labels[@]}"; do
    warm "$label" simple 1 "$WORK/one.sql" # fills the edge cache and pools; not recorded
  done
  for label in "${labels[@]}"; do
    run_pgbench "$label" simple 1 "$WORK/one.sql" "$OUT/connect-$label.txt" -C
    f=$OUT/connect-$label.txt
    [ -f "$f" ] || continue
    tps=$(tps_of "$f")
    auth=trust
    [[ $label == *scram ]] && auth=scram-sha-256
    [ -n "$tps" ] && echo "| $label | $auth | $(python3 -c "print(f'{1000/$tps:.2f}')") | $(conn_of "$f") | ${tps%.*} | $(errors_of "$f") |" >>"$OUT/connect.md"
  done
  echo >>"$OUT/connect.md"
  cat "$OUT/connect.md"
fi
for t in pooling hits latency connect; do [ -f "$OUT/$t.md" ] && cat "$OUT/$t.md"; done >"$OUT/summary.md"
echo "summary: $OUT/summary.md" >&2
