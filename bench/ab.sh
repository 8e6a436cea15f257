#!/usr/bin/env bash
# Side by side: the API hot paths (upload ticket local and s3, download URL, complete) of an earlier revision (A)
# and of this work tree (B), both services running at once on one PostgreSQL and one S3Proxy, the
# scenarios alternated A, B, A, B... so both see the same machine. On a shared machine whose speed
# drifts by tens of percent within the hour, this is the comparison that means something.
# The setup it shares with bench/run.sh lives in bench/lib/setup.sh.
# Usage: bench/ab.sh REVISION [ROUNDS]   (D=10s per scenario, WARMUP=15s per scenario and side, JAVA_OPTS as
#        bench/run.sh; ONLY=regex runs only the scenarios whose names match; PROFILE=tl|ts|du|co
#        adds a JFR profile of that scenario on both, written to bench/results/; JAVA_OPTS_A or JAVA_OPTS_B
#        gives one side options of its own, e.g. a setting: bench/ab.sh HEAD with JAVA_OPTS_A="... -Dkey=value";
#        SHOW_LOGS=N prints the last N lines of each service's log at the end; MAVEN_ARGS=-o builds offline)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
REVISION=${1:?usage: bench/ab.sh REVISION [ROUNDS]} ROUNDS=${2:-3}
D=${D:-10s}
WARMUP=${WARMUP:-15s}
PORT=${PORT:-28000}; S3_PORT=$((PORT + 1)); PG_PORT=$((PORT + 3))

# --- The scenarios, in the order each round runs them: a code (for PROFILE), the name in the table,
#     and a function `load_CODE SIDE DURATION` that puts wrk's report of that load on stdout; a
#     scenario whose requests each need state of their own also has `prepare_CODE SIDE DURATION`,
#     run before each load, outside its timed window. A new scenario is one `scenario` line and its functions.
SCENARIOS=()
declare -A NAME
scenario() { NAME[$1]=$2; if wanted "$2"; then SCENARIOS+=("$1"); fi; } # code name
scenario tl "upload ticket, local"; load_tl() { load 2 32 "$2" "$(api "$1")/artifacts" "$LUA/post.lua" BODY="$IMAGE"; }
scenario ts "upload ticket, s3";    load_ts() { load 2 32 "$2" "$(api "$1")/artifacts" "$LUA/post.lua" BODY="$VIDEO"; }
scenario du "download URL";         load_du() { load 2 32 "$2" "$(api "$1")/artifacts/${ID[$1]}/download-url"; }
scenario co "complete";             load_co() { completes_load "$1" 2 32 "$2"; }
                                 prepare_co() { pending_uploads "$1" "$(pending_count "$1" "$2")"; }
declare -A ID   # side -> the id of a stored artifact (fixture)

work_dir artifact-store-ab
require_tools
echo "Building $REVISION (A) and the work tree (B)..."
on_exit git -C "$ROOT" worktree remove --force "$WORK/a-src"
git worktree add -q --detach "$WORK/a-src" "$REVISION"
build "$WORK/a-src"
build "$ROOT" dependency:copy@stage-s3proxy
postgres_start
psql -c "CREATE DATABASE a" -c "CREATE DATABASE b"
s3proxy_start
signing_keys
TOKEN=$(token)
AUTH="Authorization: Bearer $TOKEN"

service_start a $((PORT + 10)) "$WORK/a-src" a "${JAVA_OPTS_A:-$JAVA_OPTS}"
service_start b $((PORT + 20)) "$ROOT" b "${JAVA_OPTS_B:-$JAVA_OPTS}"
printf abcd >"$WORK/4b.bin"
for s in a b; do
  service_wait $s
  ID[$s]=$(upload "$(api $s)" intermediate application/octet-stream "$WORK/4b.bin")
done

prepare() { # a|b code duration: the scenario's state for a load of that duration, if it needs any
  if declare -F "prepare_$2" >/dev/null; then "prepare_$2" "$1" "$3"; fi
}
measure() { # a|b code [duration] -> req/s (and the count of non-2xx answers, if any)
  prepare "$1" "$2" "${3:-$D}" >&2
  # each.lua's own rate, when the load uses it, is over the time its prepared list lasted.
  "load_$2" "$1" "${3:-$D}" | awk '/^Requests\/sec/ {rps = $2} /^each:/ {rps = $4 + 0; if (/ran out/) out = " (list ran out)"}
    /Non-2xx/ {errors = " (" $NF " errors)"} END {printf "%.0f%s%s", rps, errors, out}'
}
RESULT="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-ab.txt"
{
  echo "artifact-store side by side, $(date -u '+%Y-%m-%d %H:%M UTC'): A = $REVISION ($(git rev-parse --short "$REVISION")), B = work tree at $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + changes')"
  echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); service: A ${JAVA_OPTS_A:-$JAVA_OPTS}, B ${JAVA_OPTS_B:-$JAVA_OPTS}; wrk 2 threads, 32 connections, $D each"
} | tee "$RESULT"
echo "warming up..."
for s in a b; do for sc in "${SCENARIOS[@]}"; do measure $s $sc "$WARMUP" >/dev/null; done; done
declare -A SUM
for round in $(seq 1 "$ROUNDS"); do
  for sc in "${SCENARIOS[@]}"; do
    a=$(measure a $sc); b=$(measure b $sc)
    SUM[$sc.a]=$(( ${SUM[$sc.a]:-0} + ${a%% *} )); SUM[$sc.b]=$(( ${SUM[$sc.b]:-0} + ${b%% *} ))
    printf 'round %d  %-22s A %6s req/s   B %6s req/s\n' "$round" "${NAME[$sc]}" "$a" "$b" | tee -a "$RESULT"
  done
done
for sc in "${SCENARIOS[@]}"; do
  printf 'total    %-22s A %6d   B %6d   B/A %s\n' "${NAME[$sc]}" "${SUM[$sc.a]}" "${SUM[$sc.b]}" \
    "$(awk -v a="${SUM[$sc.a]}" -v b="${SUM[$sc.b]}" 'BEGIN {printf "%.2f", b / a}')" | tee -a "$RESULT"
done
if [ -n "${PROFILE:-}" ]; then
  for s in a b; do
    prepare $s "$PROFILE" 15s >&2
    report=$(hotspots "${SERVICE_PID[$s]}" "$WORK/$s.jfr" "load_$PROFILE" $s 15s)
    echo "where the CPU goes in $s, ${NAME[$PROFILE]}:" | tee -a "$RESULT"
    echo "$report" | tee -a "$RESULT"
  done
fi
if [ -n "${SHOW_LOGS:-}" ]; then
  for s in a b; do echo "last lines of $s's log:"; tail -n "$SHOW_LOGS" "$WORK/$s.log"; done
fi
echo "results written to $RESULT"
