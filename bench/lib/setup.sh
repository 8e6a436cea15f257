# What every benchmark script of bench/ shares, sourced (not run) by bench/run.sh and bench/ab.sh:
# the tools, a work directory that is removed on exit with everything started in it, the build, a
# throwaway PostgreSQL cluster, S3Proxy, signing keys and tokens, the service (start, wait, stop),
# fixtures, and wrk and JFR runs. Each step is a function the script calls, so a script reads as its
# own sequence of steps (README, Benchmarks). Everything listens on loopback only.
# The caller sets `set -euo pipefail`, the ports S3_PORT and PG_PORT (a service's management port is
# its HTTP port + 4), and TOKEN and AUTH (the Authorization header) once it has a token.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
LUA="$ROOT/bench/lua"
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx96m -XX:+ExitOnOutOfMemoryError}

# Ticket bodies of the API scenarios: an image is routed to `local`, a video to `s3`.
IMAGE='{"type":"image","boardId":"bench","contentType":"image/png","size":1048576}'
VIDEO='{"type":"video","boardId":"bench","contentType":"video/mp4","size":10485760}'

PIDS=()             # processes started here, stopped on exit
EXIT_STEPS=()       # further clean-up commands, run on exit after the processes are gone
declare -A SERVICE_PID SERVICE_PORT

# --- Tools ----------------------------------------------------------------------------------------
require_tools() { # [command:debian-package ...]: installs what is missing, with wrk, jq, python3 and PostgreSQL
  local pair missing=()
  for pair in wrk:wrk jq:jq python3:python3 "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ ${#missing[@]} = 0 ] && return
  echo "Installing ${missing[*]} (Debian packages)..."
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- Work directory and clean-up ------------------------------------------------------------------
work_dir() { # name-prefix: a fresh $WORK under /tmp, removed on exit with everything started in it
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$WORK"   # the postgres user and nginx workers (nobody) reach into it
  trap cleanup EXIT
}
on_exit() { # command [args...]: one more clean-up step
  local step
  printf -v step '%q ' "$@"
  EXIT_STEPS+=("$step")
}
alive() { local state; state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]; }  # pid
any_alive() { local pid; for pid in "${PIDS[@]}"; do alive "$pid" && return 0; done; return 1; }
cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A service still shutting down when its database goes would linger: it gets 2 s, no more.
  for _ in $(seq 1 20); do any_alive || break; sleep 0.1; done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ((i = ${#EXIT_STEPS[@]} - 1; i >= 0; i--)); do eval "${EXIT_STEPS[i]}" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}

# --- Build ----------------------------------------------------------------------------------------
build() { # source-dir [maven goals...]: the prod jar of that tree (MAVEN_ARGS=-o builds offline)
  (cd "$1" && shift && ./mvnw -q -B -DskipTests package "$@" >/dev/null)
}

# --- PostgreSQL: a throwaway cluster owned by the postgres user, user `bench`, no password ---------
postgres_start() { # [-c setting=value ...]
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$WORK/pg" && chown postgres "$WORK" "$WORK/pg"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U bench >/dev/null
  on_exit runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" \
    -o "-p $PG_PORT -k $WORK -c max_connections=200 -c shared_buffers=256MB $*" start >/dev/null
}
psql() { command psql -q -h "$WORK" -p "$PG_PORT" -U bench -d postgres "$@"; }

# --- S3Proxy, on files under $WORK/s3 (staged by `build ... dependency:copy@stage-s3proxy`) --------
s3proxy_start() {
  mkdir -p "$WORK/s3"
  cat > "$WORK/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret-key
jclouds.provider=filesystem-nio2
jclouds.identity=bench
jclouds.credential=bench-secret-key
jclouds.filesystem.basedir=$WORK/s3
PROPS
  java -Xmx512m -jar "$ROOT/target/s3proxy/s3proxy.jar" --properties "$WORK/s3proxy.properties" >"$WORK/s3proxy.log" 2>&1 &
  PIDS+=($!)
}

# --- Keys and tokens: RS256, issuer `bench`, tenant `bench` (README, Tokens) -----------------------
signing_keys() {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/key.pem" 2>/dev/null
  openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
}
token() { # [role,role...]: a token valid for two hours (roles default as in docker/mint-token.sh)
  "$ROOT/docker/mint-token.sh" "$WORK/key.pem" bench bench 7200 "$@"
}

# --- The service ----------------------------------------------------------------------------------
service_start() { # name http-port source-dir database java-options: the prod jar of that tree, in $WORK/name
  local name=$1 port=$2 app=$3 database=$4 opts=$5
  mkdir -p "$WORK/$name"
  # Every load here is one tenant's, up to 32 PUTs at once: its bound on uploads in progress (README,
  # Configuration reference: a quarter of uploads.max-concurrent, 16) is raised to the whole bound, so the
  # PUT rows measure uploads, not the 503s of a fairness limit that one tenant alone would hit.
  cat > "$WORK/$name/bench.properties" <<PROPS
artifact-store.uploads.max-concurrent-per-tenant=64
artifact-store.providers.local.root=$WORK/$name/artifacts
artifact-store.providers.s3.type=s3
artifact-store.providers.s3.bucket=bench-$name
artifact-store.providers.s3.endpoint=http://127.0.0.1:$S3_PORT
artifact-store.providers.s3.path-style=true
artifact-store.providers.s3.access-key-id=bench
artifact-store.providers.s3.secret-access-key=bench-secret-key
artifact-store.providers.s3.create-bucket=true
artifact-store.routing.rules[0].name=videos-to-s3
artifact-store.routing.rules[0].when.types=video
artifact-store.routing.rules[0].provider=s3
artifact-store.routing.rules[0].fallbacks=local
artifact-store.routing.rules[1].name=models-to-s3
artifact-store.routing.rules[1].when.types=model
artifact-store.routing.rules[1].provider=s3
artifact-store.routing.rules[1].fallbacks=local
PROPS
  (
    cd "$WORK/$name"
    export QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$PG_PORT/$database" QUARKUS_DATASOURCE_USERNAME=bench
    export MP_JWT_VERIFY_PUBLICKEY_LOCATION="$WORK/pub.pem" MP_JWT_VERIFY_ISSUER=bench
    export ARTIFACT_STORE_SIGNING_SECRET=$(openssl rand -base64 48) QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$((port + 4))
    export ARTIFACT_STORE_PUBLIC_URL="http://127.0.0.1:$port" SMALLRYE_CONFIG_LOCATIONS="$WORK/$name/bench.properties"
    exec java $opts -jar "$app/target/quarkus-app/quarkus-run.jar" >"$WORK/$name.log" 2>&1
  ) &
  # The subshell exec-s java: its pid is the service's (a pgrep could find another service).
  SERVICE_PID[$name]=$!
  SERVICE_PORT[$name]=$port
  PIDS+=($!)
}
service_ready() { # name: health on the management port, or on the main port for revisions before it existed
  local port=${SERVICE_PORT[$1]}
  curl -sf "http://127.0.0.1:$((port + 4))/q/health/ready" >/dev/null 2>&1 || curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1
}
service_wait() { # name: waits up to a minute for the service to be ready, or ends the script
  for _ in $(seq 1 120); do service_ready "$1" && return; sleep 0.5; done
  service_ready "$1" || { echo "service $1 did not start"; tail -20 "$WORK/$1.log"; exit 1; }
}
api() { echo "http://127.0.0.1:${SERVICE_PORT[$1]}/api/v1"; } # name: the service's API base URL

# --- Fixtures -------------------------------------------------------------------------------------
upload() { # api type content-type file -> artifact id, after ticket, PUT and complete
  local size created url id
  size=$(stat -c%s "$4")
  created=$(curl -sf -X POST "$1/artifacts" -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"type\":\"$2\",\"boardId\":\"fixtures\",\"contentType\":\"$3\",\"size\":$size}")
  url=$(jq -r .upload.url <<<"$created"); id=$(jq -r .artifact.id <<<"$created")
  curl -sf -X PUT "$url" -H "Content-Type: $3" --data-binary @"$4" >/dev/null
  curl -sf -X POST "$1/artifacts/$id/complete" -H "$AUTH" >/dev/null
  echo "$id"
}

# --- Pending uploads, for the complete scenario ----------------------------------------------------
# A measured complete verifies stored bytes and turns a PENDING variant AVAILABLE (not the no-op of an
# AVAILABLE one), so each needs a variant of its own, ticketed and uploaded before the run, outside its
# timed window. They are what the browser frontend of the README (Browsers: CORS and Uppy) sends:
# images, routed to `local`, here of 1 KiB (a PNG signature, then random bytes), with no declared
# sha256; the service checks their size and first bytes.
PENDING_TICKET='{"type":"image","boardId":"bench","contentType":"image/png","size":1024}'
pending_uploads() { # name count: $WORK/name.completes, the complete paths of count fresh variants of service name, bytes stored
  local name=$1 count=$2 tickets="$WORK/$1.tickets" puts="$WORK/$1.puts" minted idle=0 failed
  [ -f "$WORK/1k.png" ] || { printf '\211PNG\r\n\032\n'; head -c 1016 /dev/urandom; } >"$WORK/1k.png"
  : >"$tickets"
  while [ "$(wc -l <"$tickets")" -lt "$count" ]; do
    minted=$(wc -l <"$tickets")
    load 2 32 1s "$(api "$name")/artifacts" "$LUA/mint.lua" BODY="$PENDING_TICKET" URLS_FILE="$tickets" >/dev/null
    # A cold service may answer nothing within a second; one that answers nothing for ten is broken.
    if [ "$(wc -l <"$tickets")" -gt "$minted" ]; then idle=0; else idle=$((idle + 1)); fi
    [ "$idle" -lt 10 ] || { echo "service $name issues no tickets" >&2; return 1; }
  done
  # One PUT per ticket, 32 at a time; curl numbers the transfers (urlnum) in the order of the tickets.
  # `Expect:` keeps curl from announcing the body and waiting a second for a 100 Continue; -s silences
  # failures (counted below), --no-progress-meter the progress bar that -s leaves on in parallel mode.
  head -n "$count" "$tickets" | awk -v base="http://127.0.0.1:${SERVICE_PORT[$name]}" -v body="$WORK/1k.png" \
    '{printf "url = \"%s%s\"\nupload-file = \"%s\"\noutput = \"/dev/null\"\n", base, $1, body}' >"$puts"
  curl -s --no-progress-meter -Z --parallel-max 32 -H 'Content-Type: image/png' -H 'Expect:' -w '%{urlnum} %{http_code}\n' -K "$puts" >"$puts.status" || true
  # Only the variants whose bytes were stored are completed: every measured complete is a real one.
  awk 'NR == FNR { if ($2 == 200) ok[$1]; next } (FNR - 1) in ok { print "/api/v1/artifacts/" $2 "/complete?variant=original" }' \
    "$puts.status" "$tickets" >"$WORK/$name.completes"
  failed=$(awk '$2 != 200 {n++} END {print n + 0}' "$puts.status")
  [ "$failed" = 0 ] || echo "pending uploads of $name: $failed of $count PUTs failed ($(awk '$2 != 200 {print $2}' "$puts.status" | sort | uniq -c | xargs))" >&2
}
pending_count() { # name duration: how many to prepare for a complete run of that duration on service name
  # 1.5 times what its last run completed per second (500/s before the first), at least 1,000: a faster
  # run that outlasts its list still reports a true rate (bench/lua/each.lua), over a shorter time.
  local rate
  rate=$(cat "$WORK/$1.complete-rate" 2>/dev/null || echo 500)
  awk -v rate="$rate" -v seconds="${2%s}" 'BEGIN {n = int(rate * seconds * 1.5); print n < 1000 ? 1000 : n}'
}
completes_load() { # name threads connections duration: wrk's report of completing what pending_uploads prepared, each once
  local out
  out=$(load "$2" "$3" "$4" "http://127.0.0.1:${SERVICE_PORT[$1]}" "$LUA/each.lua" \
    URLS_FILE="$WORK/$1.completes" METHOD=POST TOKEN="$TOKEN" WRK_THREADS="$2")
  awk '/^each:/ {print $4 + 0}' <<<"$out" >"$WORK/$1.complete-rate"   # for pending_count
  echo "$out"
}

# --- Load and profiles ----------------------------------------------------------------------------
wanted() { # scenario-name: whether ONLY (an extended regex, unset = every scenario) selects it
  [ -z "${ONLY:-}" ] || grep -Eq -- "$ONLY" <<<"$1"
}
load() { # threads connections duration url [lua script] [ENV=value ...]: wrk's report, with $AUTH
  local threads=$1 conns=$2 duration=$3 url=$4 script=${5:-}
  shift 5 || shift $#
  env "$@" wrk -t"$threads" -c"$conns" -d"$duration" --latency -H "$AUTH" ${script:+-s "$script"} "$url" 2>&1
}
hotspots() { # pid jfr-file command...: where pid's CPU goes while the command runs (JFR execution samples)
  local pid=$1 file=$2
  shift 2
  jcmd "$pid" JFR.start name=bench settings=profile filename="$file" >/dev/null
  "$@" >/dev/null 2>&1 || true
  jcmd "$pid" JFR.stop name=bench >/dev/null
  jfr print --events jdk.ExecutionSample --stack-depth 64 "$file" | python3 "$ROOT/bench/hotspots.py"
}
