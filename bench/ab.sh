#!/usr/bin/env bash
# Side by side: the API hot paths (upload ticket local and s3, download URL) of an earlier revision (A)
# and of this work tree (B), both services running at once on one PostgreSQL and one S3Proxy, the
# scenarios alternated A, B, A, B... so both see the same machine. On a shared machine whose speed
# drifts by tens of percent within the hour, this is the comparison that means something.
# Usage: bench/ab.sh REVISION [ROUNDS]   (D=10s per scenario, JAVA_OPTS as bench/run.sh; PROFILE=tl|ts|du
#        adds a JFR profile of that scenario on both, written to bench/results/; JAVA_OPTS_A or JAVA_OPTS_B
#        gives one side options of its own, e.g. a setting: bench/ab.sh HEAD with JAVA_OPTS_A="... -Dkey=value";
#        SHOW_LOGS=N prints the last N lines of each service's log at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD REVISION=${1:?usage: bench/ab.sh REVISION [ROUNDS]} ROUNDS=${2:-3}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx96m -XX:+ExitOnOutOfMemoryError}
D=${D:-10s}
PORT=${PORT:-28000}
WORK=$(mktemp -d /tmp/artifact-store-ab.XXXXXX)
PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 2   # a service still shutting down when its database goes would linger: it gets no more time
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  git -C "$ROOT" worktree remove --force "$WORK/a-src" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "Building $REVISION (A) and the work tree (B)..."
git worktree add -q --detach "$WORK/a-src" "$REVISION"
(cd "$WORK/a-src" && ./mvnw -q -B -DskipTests package >/dev/null)
./mvnw -q -B -DskipTests package dependency:copy@stage-s3proxy >/dev/null

chmod 755 "$WORK"; mkdir -p "$WORK/pg"; chown postgres "$WORK" "$WORK/pg"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U bench >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" \
  -o "-p $((PORT + 3)) -k $WORK -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
command psql -q -h "$WORK" -p $((PORT + 3)) -U bench -d postgres -c "CREATE DATABASE a" -c "CREATE DATABASE b"

mkdir -p "$WORK/s3"
cat > "$WORK/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$((PORT + 1))
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret-key
jclouds.provider=filesystem-nio2
jclouds.identity=bench
jclouds.credential=bench-secret-key
jclouds.filesystem.basedir=$WORK/s3
PROPS
java -Xmx512m -jar target/s3proxy/s3proxy.jar --properties "$WORK/s3proxy.properties" >"$WORK/s3proxy.log" 2>&1 &
PIDS+=($!)

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/key.pem" 2>/dev/null
openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
TOKEN=$(docker/mint-token.sh "$WORK/key.pem" bench bench 7200)
AUTH="Authorization: Bearer $TOKEN"

declare -A HTTP=([a]=$((PORT + 10)) [b]=$((PORT + 20))) APP=([a]="$WORK/a-src" [b]="$ROOT") ID
start() { # a|b
  mkdir -p "$WORK/$1"
  cat > "$WORK/$1/bench.properties" <<PROPS
artifact-store.providers.local.root=$WORK/$1/artifacts
artifact-store.providers.s3.type=s3
artifact-store.providers.s3.bucket=bench-$1
artifact-store.providers.s3.endpoint=http://127.0.0.1:$((PORT + 1))
artifact-store.providers.s3.path-style=true
artifact-store.providers.s3.access-key-id=bench
artifact-store.providers.s3.secret-access-key=bench-secret-key
artifact-store.providers.s3.create-bucket=true
artifact-store.routing.rules[0].name=videos-to-s3
artifact-store.routing.rules[0].when.types=video
artifact-store.routing.rules[0].provider=s3
artifact-store.routing.rules[0].fallbacks=local
PROPS
  (
    cd "$WORK/$1"
    export QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$((PORT + 3))/$1" QUARKUS_DATASOURCE_USERNAME=bench
    export MP_JWT_VERIFY_PUBLICKEY_LOCATION="$WORK/pub.pem" MP_JWT_VERIFY_ISSUER=bench
    export ARTIFACT_STORE_SIGNING_SECRET=$(openssl rand -base64 48) QUARKUS_HTTP_PORT=${HTTP[$1]} QUARKUS_MANAGEMENT_PORT=$((HTTP[$1] + 4))
    export ARTIFACT_STORE_PUBLIC_URL="http://127.0.0.1:${HTTP[$1]}" SMALLRYE_CONFIG_LOCATIONS="$WORK/$1/bench.properties"
    opts=JAVA_OPTS_${1^^}
    exec java ${!opts:-$JAVA_OPTS} -jar "${APP[$1]}/target/quarkus-app/quarkus-run.jar" >"$WORK/$1.log" 2>&1
  ) &
  PIDS+=($!)
}
ready() { # a|b: health on the management port, or on the main port for revisions before it existed
  curl -sf "http://127.0.0.1:$((HTTP[$1] + 4))/q/health/ready" >/dev/null 2>&1 || curl -sf "http://127.0.0.1:${HTTP[$1]}/q/health/ready" >/dev/null 2>&1
}
start a; start b
for s in a b; do
  for _ in $(seq 1 120); do ready $s && break; sleep 0.5; done
  ready $s || { echo "service $s did not start"; tail -20 "$WORK/$s.log"; exit 1; }
  api="http://127.0.0.1:${HTTP[$s]}/api/v1"
  created=$(curl -sf -X POST "$api/artifacts" -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"type":"intermediate","boardId":"fixtures","contentType":"application/octet-stream","size":4}')
  ID[$s]=$(jq -r .artifact.id <<<"$created")
  printf abcd | curl -sf -X PUT "$(jq -r .upload.url <<<"$created")" -H 'Content-Type: application/octet-stream' --data-binary @- >/dev/null
  curl -sf -X POST "$api/artifacts/${ID[$s]}/complete" -H "$AUTH" >/dev/null
done

IMAGE='{"type":"image","boardId":"bench","contentType":"image/png","size":1048576}'
VIDEO='{"type":"video","boardId":"bench","contentType":"video/mp4","size":10485760}'
scenario() { # a|b tl|ts|du -> req/s (and the count of non-2xx answers, if any)
  local api="http://127.0.0.1:${HTTP[$1]}/api/v1"
  case $2 in
    tl) BODY="$IMAGE" wrk -t2 -c32 -d"$D" -H "$AUTH" -s bench/lua/post.lua "$api/artifacts" ;;
    ts) BODY="$VIDEO" wrk -t2 -c32 -d"$D" -H "$AUTH" -s bench/lua/post.lua "$api/artifacts" ;;
    du) wrk -t2 -c32 -d"$D" -H "$AUTH" "$api/artifacts/${ID[$1]}/download-url" ;;
  esac 2>&1 | awk '/Requests\/sec/ {printf "%.0f", $2} /Non-2xx/ {printf " (%s errors)", $NF}'
}
declare -A NAME=([tl]="upload ticket, local" [ts]="upload ticket, s3" [du]="download URL")
RESULT="bench/results/$(date -u +%Y-%m-%dT%H%MZ)-ab.txt"
{
  echo "artifact-store side by side, $(date -u '+%Y-%m-%d %H:%M UTC'): A = $REVISION ($(git rev-parse --short "$REVISION")), B = work tree at $(git rev-parse --short HEAD)$(git diff --quiet || echo ' + changes')"
  echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); service: A ${JAVA_OPTS_A:-$JAVA_OPTS}, B ${JAVA_OPTS_B:-$JAVA_OPTS}; wrk 2 threads, 32 connections, $D each"
} | tee "$RESULT"
echo "warming up..."
for s in a b; do for sc in tl ts du; do D=15s scenario $s $sc >/dev/null; done; done
declare -A SUM
for round in $(seq 1 "$ROUNDS"); do
  for sc in tl ts du; do
    a=$(scenario a $sc); b=$(scenario b $sc)
    SUM[$sc.a]=$(( ${SUM[$sc.a]:-0} + ${a%% *} )); SUM[$sc.b]=$(( ${SUM[$sc.b]:-0} + ${b%% *} ))
    printf 'round %d  %-22s A %6s req/s   B %6s req/s\n' "$round" "${NAME[$sc]}" "$a" "$b" | tee -a "$RESULT"
  done
done
for sc in tl ts du; do
  printf 'total    %-22s A %6d   B %6d   B/A %s\n' "${NAME[$sc]}" "${SUM[$sc.a]}" "${SUM[$sc.b]}" \
    "$(awk -v a="${SUM[$sc.a]}" -v b="${SUM[$sc.b]}" 'BEGIN {printf "%.2f", b / a}')" | tee -a "$RESULT"
done
if [ -n "${PROFILE:-}" ]; then
  for s in a b; do
    pid=$(pgrep -f "${APP[$s]}/target/quarkus-app/quarkus-run.jar" | head -1)
    jcmd "$pid" JFR.start name=ab settings=profile filename="$WORK/$s.jfr" >/dev/null
    D=15s scenario $s "$PROFILE" >/dev/null
    jcmd "$pid" JFR.stop name=ab >/dev/null
    echo "where the CPU goes in $s, ${NAME[$PROFILE]}:" | tee -a "$RESULT"
    jfr print --events jdk.ExecutionSample --stack-depth 64 "$WORK/$s.jfr" | python3 bench/hotspots.py | tee -a "$RESULT"
  done
fi
if [ -n "${SHOW_LOGS:-}" ]; then
  for s in a b; do echo "last lines of $s's log:"; tail -n "$SHOW_LOGS" "$WORK/$s.log"; done
fi
echo "results written to $RESULT"
