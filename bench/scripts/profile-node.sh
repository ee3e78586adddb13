#!/usr/bin/env bash
# A CPU profile of a running Outpost node (or any JVM) with async-profiler, while you put load on
# it: Java frames, the JVM's own threads (JIT compilers, GC) and the kernel in one set of stacks.
# perf cannot name JIT-compiled frames reliably; async-profiler can.
#
#   bench/scripts/profile-node.sh --pid PID [--seconds 15] [--interval 200us] [--event cpu|itimer]
#                                 [--out FILE]
#
# Writes FILE (collapsed stacks, one "frame;frame;… count" per line, default
# profile-PID.collapsed) and prints bench/scripts/profile-summary.py's reading of it. Start the
# node with -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints (outpost-bench passes JVM flags
# with --outpost-jvm-opts); without them, samples in inlined code land on the nearest safepoint's
# frame. Loading the agent into a running JVM makes it compile its hot code again for a while (44 %
# of the samples in the JIT compilers against 0.2 %, bench/results/2026-12-02-pooling-9rounds-b/):
# for a steady-state profile, also start the node with -agentpath:LIB (the path below, after a
# first run of this script has unpacked it); the script then starts and stops that agent.
# async-profiler 4.1 is taken from Maven Central (tools.profiler:async-profiler) into ~/.m2 the
# first time and unpacked under ${TMPDIR:-/tmp}/outpost-async-profiler-4.1/linux-x64/. --event cpu uses perf events, which
# need kernel.perf_event_paranoid <= 2 (kernel frames: root or <= 1); --event itimer needs none.
set -euo pipefail

PID= SECONDS_=15 INTERVAL=200us OUT= EVENT=cpu
while [ $# -gt 0 ]; do
  case $1 in
    --pid) PID=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --interval) INTERVAL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --event) EVENT=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ -n "$PID" ] || { echo "--pid is required (see the header of $0)" >&2; exit 2; }
[ -r "/proc/$PID/stat" ] || { echo "no process $PID" >&2; exit 2; }
command -v jcmd >/dev/null || { echo "jcmd (from the JDK) is not on the PATH" >&2; exit 2; }
OUT=${OUT:-profile-$PID.collapsed}
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

VERSION=4.1
JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION-linux-x64.jar
if [ ! -f "$JAR" ]; then
  mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$VERSION:jar:linux-x64" >&2 \
    || { echo "could not fetch async-profiler $VERSION from Maven Central" >&2; exit 1; }
fi
LIBDIR=${TMPDIR:-/tmp}/outpost-async-profiler-$VERSION
LIB=$LIBDIR/linux-x64/libasyncProfiler.so
if [ ! -f "$LIB" ]; then
  mkdir -p "$LIBDIR"
  (cd "$LIBDIR" && unzip -q -o "$JAR" 'linux-x64/*')
fi

# jcmd splits its arguments at commas unless the option string is quoted inside the argument
agent() { jcmd "$PID" JVMTI.agent_load "$LIB" "\"$1\"" >/dev/null; }
agent "start,event=$EVENT,interval=$INTERVAL,cstack=vm"
trap 'agent stop >/dev/null 2>&1 || true' INT TERM
sleep "$SECONDS_"
agent "stop,collapsed,file=$OUT"
trap - INT TERM
[ -s "$OUT" ] || { echo "the profiler wrote nothing to $OUT; see the node's standard output" >&2; exit 1; }
echo "collapsed stacks: $OUT"
python3 "$(dirname "$0")/profile-summary.py" "$OUT"
