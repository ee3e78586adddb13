#!/usr/bin/env bash
# Where the CPU of one pgbench transaction goes, at saturation: the pooler's user and system time,
# its voluntary context switches (each one a sleep in epoll_wait and a wake-up), all Postgres
# processes' time and pgbench's own, in microseconds per transaction, plus how idle the machine
# was. On a machine whose cores the client, the pooler and Postgres share, throughput is two
# cores divided by the sum of these, so the pooler's share is what a pooler can change.
#
#   bench/scripts/cpu-per-txn.sh --pid POOLER_PID --port PORT [--mode simple] [--seconds 10]
#                                [--clients 8] [--jobs 8]
#
# Connects with the usual libpq variables (PGHOST, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE);
# runs `pgbench -n -S` against --port, so the database needs `pgbench -i` first. Run it against
# each pooler in turn, interleaved and warm, and read the figures as ranges: one 10 s run on a
# shared machine moves by 10 % and more.
set -euo pipefail

PID= PORT= MODE=simple SECONDS_=10 CLIENTS=8 JOBS=8
while [ $# -gt 0 ]; do
  case $1 in
    --pid) PID=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ -n "$PID" ] && [ -n "$PORT" ] || { echo "--pid and --port are required (see the header of $0)" >&2; exit 2; }
[ -r "/proc/$PID/stat" ] || { echo "no process $PID" >&2; exit 2; }
command -v pgbench >/dev/null || { echo "pgbench is not installed" >&2; exit 2; }

ticks_of() { # utime stime of one process, in clock ticks
  awk '{ print $14, $15 }' "/proc/$1/stat"
}
switches_of() { # voluntary context switches of all threads of one process
  local t total=0 v
  for t in /proc/"$1"/task/*/status; do
    v=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$t" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
postgres_ticks() { # utime + stime of every postgres process, in clock ticks
  local p total=0 u s
  for p in $(pgrep -x postgres || true); do
    read -r u s < <(ticks_of "$p" 2>/dev/null || echo "0 0")
    total=$((total + u + s))
  done
  echo "$total"
}
machine() { # busy and idle jiffies of the whole machine
  awk '/^cpu / { idle = $5 + $6; busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, idle }' /proc/stat
}

HZ=$(getconf CLK_TCK)
out=$(mktemp)
times=$(mktemp)
trap 'rm -f "$out" "$times"' EXIT

read -r u1 s1 < <(ticks_of "$PID")
w1=$(switches_of "$PID")
g1=$(postgres_ticks)
read -r b1 i1 < <(machine)
/usr/bin/time -f "%U %S" -o "$times" \
  pgbench -n -S -M "$MODE" -c "$CLIENTS" -j "$JOBS" -T "$SECONDS_" -p "$PORT" >"$out" 2>&1 || {
    echo "pgbench failed:" >&2; cat "$out" >&2; exit 1; }
read -r u2 s2 < <(ticks_of "$PID")
w2=$(switches_of "$PID")
g2=$(postgres_ticks)
read -r b2 i2 < <(machine)

n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1)
errors=$(grep -c '^pgbench: error' "$out" || true)
read -r pu ps <"$times"
[ "${n:-0}" -gt 0 ] || { echo "no transactions:" >&2; cat "$out" >&2; exit 1; }

awk -v n="$n" -v tps="$tps" -v hz="$HZ" -v mode="$MODE" -v errors="$errors" \
    -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v w=$((w2 - w1)) -v g=$((g2 - g1)) \
    -v pu="$pu" -v ps="$ps" -v busy=$((b2 - b1)) -v idle=$((i2 - i1)) 'BEGIN {
  us = 1e6 / hz / n
  printf "%s: tps %.0f | pooler user %.1f sys %.1f us/txn, %.2f sleeps/txn | postgres %.1f us/txn | pgbench %.1f us/txn | machine idle %.0f%% | pgbench errors %d\n",
    mode, tps, u * us, s * us, w / n, g * us, (pu + ps) * 1e6 / n, idle * 100 / (busy + idle), errors
}'
