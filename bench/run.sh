#!/usr/bin/env bash
# Benchmarks of artifact-store on this machine, on loopback only, every load bounded in time.
# Builds the prod jar, starts PostgreSQL, S3Proxy, nginx (the ceiling reference) and the service,
# mints RS256 tokens with openssl, runs wrk scenarios and prints a table; the table is also written
# to bench/results/, with a JFR breakdown of where the CPU goes on the two hottest API paths.
# The setup these steps share with bench/ab.sh lives in bench/lib/setup.sh.
# Usage: bench/run.sh   (DURATION=15s CONNECTIONS=32 WARMUP=20s JAVA_OPTS="-XX:+UseSerialGC -Xmx96m -XX:+ExitOnOutOfMemoryError" by default;
#        BIG_UPLOAD=0 skips the 2 GiB uploads, ONLY_BIG=1 runs only them; ONLY=regex runs only the scenarios,
#        profiles and board walk whose names match; MAVEN_ARGS=-o builds offline)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}; S3_PORT=$((PORT + 1)); NGINX_PORT=$((PORT + 2)); PG_PORT=$((PORT + 3))

work_dir artifact-store-bench
require_tools nginx:nginx-light
echo "Building the prod jar and staging S3Proxy..."
build "$ROOT" dependency:copy@stage-s3proxy
postgres_start -c synchronous_commit=on
s3proxy_start
signing_keys
TOKEN=$(token artifacts.read,artifacts.write,artifacts.admin)
AUTH="Authorization: Bearer $TOKEN"
service_start app "$PORT" "$ROOT" postgres "$JAVA_OPTS"
service_wait app
SERVICE=${SERVICE_PID[app]}
API=$(api app)

# --- Fixtures: stored objects of 1 MiB and 64 MiB, a board of 10,000 artifacts -----------------
head -c $((1024 * 1024)) /dev/urandom >"$WORK/1m.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/64m.bin"
ID_1M=$(upload "$API" intermediate application/octet-stream "$WORK/1m.bin")
ID_64M=$(upload "$API" intermediate application/octet-stream "$WORK/64m.bin")
URL_1M=$(curl -sf "$API/artifacts/$ID_1M/download-url?expiresIn=7200" -H "$AUTH" | jq -r .url)
URL_64M=$(curl -sf "$API/artifacts/$ID_64M/download-url?expiresIn=7200" -H "$AUTH" | jq -r .url)
stored_key() { curl -sf "$API/artifacts/$1" -H "$AUTH" | jq -r '.variants[0].key + "/" + .variants[0].version'; }
KEY_1M=$(stored_key "$ID_1M")
KEY_64M=$(stored_key "$ID_64M")
psql -c "INSERT INTO artifacts (id, tenant_id, type, board_id, status, filename, metadata, created_at, updated_at)
         SELECT 'L' || lpad(i::text, 25, '0'), 'bench', 'IMAGE', 'big-board', 'AVAILABLE', 'f.png', '{}'::jsonb, now(), now()
         FROM generate_series(1, 10000) i;
         INSERT INTO artifact_variants (tenant_id, artifact_id, name, status, provider, storage_key, content_type, size, created_at, completed_at, upload_expires_at)
         SELECT 'bench', 'L' || lpad(i::text, 25, '0'), 'original', 'AVAILABLE', 'local',
                'bench/image/big-board/L' || lpad(i::text, 25, '0') || '/original', 'image/png', 1000, now(), now(), now()
         FROM generate_series(1, 10000) i; ANALYZE;"

# --- nginx serving the same files from the same disk -------------------------------------------
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/app/artifacts; }
}
CONF
on_exit nginx -c "$WORK/nginx.conf" -s stop
nginx -c "$WORK/nginx.conf"

# --- Scenarios ---------------------------------------------------------------------------------
ticks() { awk '{print $14 + $15}' "/proc/$SERVICE/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$SERVICE/status"; }
CLK=$(getconf CLK_TCK)
RESULT="bench/results/$(date -u +%Y-%m-%dT%H%MZ).txt"
{
  echo "artifact-store benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(java -version 2>&1 | head -1), $(uname -sr)"
  echo "service: $JAVA_OPTS; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') and S3Proxy on the same host; wrk $THREADS threads, $DURATION each"
  echo
  printf '%-34s %5s %10s %9s %9s %7s %7s %8s %11s\n' scenario conns req/s p50 p99 errors cpu% rss_MiB MiB/s
} | tee "$RESULT"

run() { # name connections url [lua script] [ENV=value ...]; UPLOAD_MIB=n: each request uploads n MiB
  local name=$1 conns=$2 url=$3 script=${4:-} out t0 t1 seconds threads=$THREADS
  shift 4 || shift $#
  wanted "$name" || return 0
  [ "$(basename "${script:-x}")" = cycle.lua ] && threads=$conns   # one connection per thread
  t0=$(ticks); seconds=${DURATION%s}
  out=$(load "$threads" "$conns" "$DURATION" "$url" "$script" WRK_THREADS="$threads" "$@")
  t1=$(ticks)
  local rps p50 p99 errors mibs cpu cycles each upload_mib
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  mibs=$(awk '/Transfer\/sec/ {v = $2; if (v ~ /GB/) v *= 1024; else if (v ~ /KB/) v /= 1024; else if (v ~ /B$/ && v !~ /MB/) v /= 1048576; printf "%.0f", v}' <<<"$out")
  cycles=$(awk '/^cycles:/ {print $2}' <<<"$out")
  [ -n "$cycles" ] && rps=$(awk -v c="$cycles" -v s="$seconds" 'BEGIN {printf "%.0f", c / s}')
  # each.lua's own rate is over the time its prepared list lasted, should it run out before the end.
  each=$(awk '/^each:/ {printf "%.0f", $4 + 0}' <<<"$out")
  [ -n "$each" ] && rps=$each
  upload_mib=$(printf '%s\n' "$@" | awk -F= '$1 == "UPLOAD_MIB" {print $2}')
  [ -n "$upload_mib" ] && mibs=$((rps * upload_mib))
  cpu=$(awk -v d=$((t1 - t0)) -v clk="$CLK" -v s="$seconds" 'BEGIN {printf "%.0f", 100 * d / clk / s}')
  printf '%-34s %5s %10s %9s %9s %7s %7s %8s %11s\n' "$name" "$conns" "$rps" "$p50" "$p99" "$errors" "$cpu" "$(rss_mib)" "$mibs" | tee -a "$RESULT"
  if [ "$errors" != 0 ]; then grep '^statuses:' <<<"$out" | sed 's/^/  /' | tee -a "$RESULT" || true; fi
  if grep -q 'the list ran out' <<<"$out"; then echo "  (its prepared list ran out before the end)" | tee -a "$RESULT"; fi
}

upload_request() { # size -> the body of a ticket request for an intermediate artifact of that many bytes
  echo "{\"type\":\"intermediate\",\"boardId\":\"bench\",\"contentType\":\"application/octet-stream\",\"size\":$1}"
}
ticket_url() { # size -> the signed PUT URL of a new intermediate artifact of that many bytes
  curl -sf -X POST "$API/artifacts" -H "$AUTH" -H 'Content-Type: application/json' -d "$(upload_request "$1")" | jq -r .upload.url
}
mint_urls() { # size seconds file: signed PUT paths, one per line, for as many tickets as the service issues in that time
  : >"$3"
  load "$THREADS" "$CONNECTIONS" "$2" "$API/artifacts" "$LUA/mint.lua" BODY="$(upload_request "$1")" URLS_FILE="$3" >/dev/null
}

# 6. 2 GiB uploads, first, while the service's memory is still unused: one signed PUT to the local
#    provider, presigned multipart to local and to S3 (Uppy's way, 4 parts at a time), and the
#    worker's streaming PUT through the service to local and to S3. The heap is capped far below the
#    body (JAVA_OPTS), so only streaming can pass; RSS is sampled throughout and must stay flat.
big() { # name command...: runs one big upload, prints its MiB/s and the service's RSS around it
  local name=$1 before peak t0 t1 outcome
  shift
  before=$(rss_mib)
  (while :; do rss_mib; echo; sleep 0.2; done) >"$WORK/rss.log" 2>/dev/null &
  local sampler=$!
  t0=$(date +%s%N)
  outcome=$("$@" 2>&1 | tail -1) || outcome="FAILED: $outcome"
  t1=$(date +%s%N)
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$WORK/rss.log" | tail -1)
  printf '%-44s %6s MiB/s   RSS %4s MiB before, %4s peak, %4s after   %s\n' "$name" \
    "$(( 2048 * 1000000000 / (t1 - t0) ))" "$before" "$peak" "$(rss_mib)" "$outcome" | tee -a "$RESULT"
}
put_big() { # signed-url: one PUT of the 2 GiB file, answers the HTTP status
  echo "HTTP $(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/2g.bin" -H 'Content-Type: application/octet-stream' "$1")"
}
if [ "${BIG_UPLOAD:-1}" != 0 ]; then
  head -c $((2048 * 1024 * 1024)) /dev/urandom >"$WORK/2g.bin"
  echo "2 GiB uploads, one client each ($JAVA_OPTS):" | tee -a "$RESULT"
  BIG="python3 bench/big_upload.py"
  big "PUT, local signed URL" put_big "$(ticket_url $((2048 * 1024 * 1024)))"
  big "presigned multipart, local (4 parts at once)" $BIG multipart "$API" "$TOKEN" intermediate application/octet-stream "$WORK/2g.bin"
  big "presigned multipart, s3 (4 parts at once)" $BIG multipart "$API" "$TOKEN" model application/octet-stream "$WORK/2g.bin"
  big "worker streaming PUT, local" $BIG stream "$API" "$TOKEN" intermediate application/octet-stream "$WORK/2g.bin"
  big "worker streaming PUT, s3" $BIG stream "$API" "$TOKEN" model application/octet-stream "$WORK/2g.bin"
  rm -f "$WORK/2g.bin"
  echo | tee -a "$RESULT"
fi
[ "${ONLY_BIG:-0}" != 0 ] && { echo "results written to $RESULT"; exit 0; }

SMALL_FILE='{"type":"intermediate","boardId":"cycle","contentType":"application/octet-stream","size":1048576}'

# Warm-up: let the JIT compile the hot paths first, or the figures measure the compiler.
echo "warming up (${WARMUP:-20s} per path)..."
for warm in "$API/artifacts/$ID_1M/download-url" "$API/artifacts?boardId=big-board&limit=100" "$URL_1M"; do
  load "$THREADS" "$CONNECTIONS" "${WARMUP:-20s}" "$warm" >/dev/null
done
load "$THREADS" "$CONNECTIONS" "${WARMUP:-20s}" "$API/artifacts" "$LUA/post.lua" BODY="$IMAGE" >/dev/null
mint_urls 1048576 8s "$WORK/warm-urls.txt"
load "$THREADS" "$CONNECTIONS" "${WARMUP:-20s}" "http://127.0.0.1:$PORT" "$LUA/each.lua" \
  BODY_FILE="$WORK/1m.bin" CONTENT_TYPE=application/octet-stream URLS_FILE="$WORK/warm-urls.txt" WRK_THREADS="$THREADS" >/dev/null
COMPLETE="complete, 1 KiB image, local"
if wanted "$COMPLETE"; then
  pending_uploads app "$(pending_count app "${WARMUP:-20s}")"
  completes_load app "$THREADS" "$CONNECTIONS" "${WARMUP:-20s}" >/dev/null
fi
# Every PUT needs a URL of its own (write-once keys, one upload per URL at a time): mint them first.
mint_urls 1048576 8s "$WORK/urls-1m.txt"
mint_urls $((64 * 1024 * 1024)) 2s "$WORK/urls-64m.txt"

run "upload ticket, local"              "$CONNECTIONS" "$API/artifacts" "$LUA/post.lua" BODY="$IMAGE"
run "upload ticket, s3"                 "$CONNECTIONS" "$API/artifacts" "$LUA/post.lua" BODY="$VIDEO"
run "download URL"                      "$CONNECTIONS" "$API/artifacts/$ID_1M/download-url"
# Each complete verifies a variant of its own, ticketed and uploaded first (bench/lib/setup.sh).
if wanted "$COMPLETE"; then pending_uploads app "$(pending_count app "$DURATION")"; fi
run "$COMPLETE"                         "$CONNECTIONS" "http://127.0.0.1:$PORT" "$LUA/each.lua" \
    URLS_FILE="$WORK/app.completes" METHOD=POST TOKEN="$TOKEN"
run "cycles: ticket, PUT 1 MiB, complete" "$CONNECTIONS" "$API/artifacts" "$LUA/cycle.lua" \
    TOKEN="$TOKEN" BODY="$SMALL_FILE" BODY_FILE="$WORK/1m.bin" UPLOAD_MIB=1
run "list 10,000-artifact board, 100/page" "$CONNECTIONS" "$API/artifacts?boardId=big-board&limit=100"
run "GET 1 MiB, local signed URL"       "$CONNECTIONS" "$URL_1M"
run "GET 1 MiB, nginx (ceiling)"        "$CONNECTIONS" "http://127.0.0.1:$NGINX_PORT/$KEY_1M"
run "GET 64 MiB, local signed URL"      4 "$URL_64M"
run "GET 64 MiB, nginx (ceiling)"       4 "http://127.0.0.1:$NGINX_PORT/$KEY_64M"
run "PUT 1 MiB, local signed URL"       "$CONNECTIONS" "http://127.0.0.1:$PORT" "$LUA/each.lua" BODY_FILE="$WORK/1m.bin" \
    CONTENT_TYPE=application/octet-stream URLS_FILE="$WORK/urls-1m.txt" UPLOAD_MIB=1
run "PUT 64 MiB, local signed URL"      4 "http://127.0.0.1:$PORT" "$LUA/each.lua" BODY_FILE="$WORK/64m.bin" \
    CONTENT_TYPE=application/octet-stream URLS_FILE="$WORK/urls-64m.txt" UPLOAD_MIB=64

if wanted "walk of the 10,000-artifact board"; then
  start=$(date +%s%N); cursor=""; pages=0
  while :; do
    page=$(curl -sf "$API/artifacts?boardId=big-board&limit=100${cursor:+&cursor=$cursor}" -H "$AUTH")
    pages=$((pages + 1)); cursor=$(jq -r '.nextCursor // empty' <<<"$page")
    [ -z "$cursor" ] && break
  done
  echo "walk of the 10,000-artifact board: $pages pages in $(( ($(date +%s%N) - start) / 1000000 )) ms, one client" | tee -a "$RESULT"
fi
echo "peak service RSS: $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$SERVICE/status")" | tee -a "$RESULT"

# Where the time goes: JFR samples of the service under each hot API path, after the measured runs
# (the profiler's own overhead stays out of the figures above).
profile() { # name url [lua script] [ENV=value ...]
  local name=$1 url=$2 script=${3:-} report
  shift 3 || shift $#
  wanted "$name" || return 0
  report=$(hotspots "$SERVICE" "$WORK/profile.jfr" load "$THREADS" "$CONNECTIONS" "$DURATION" "$url" "$script" "$@")
  echo "where the CPU goes, $name (JFR execution samples):" | tee -a "$RESULT"
  echo "$report" | tee -a "$RESULT"
}
echo | tee -a "$RESULT"
profile "upload ticket, local" "$API/artifacts" "$LUA/post.lua" BODY="$IMAGE"
profile "download URL" "$API/artifacts/$ID_1M/download-url"
echo "results written to $RESULT"
