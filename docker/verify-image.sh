#!/usr/bin/env bash
# Proves docker/Dockerfile.jvm without a Docker engine or a registry: builds a JRE 17 base from Debian
# packages (mmdebstrap, the same mirror apt uses), builds the image on it with podman, runs it with
# buildah (chroot isolation, host network) against a real PostgreSQL, configured by environment
# variables alone, and checks that readiness answers 200 and that an artifact can be ticketed,
# uploaded through its signed URL, completed and downloaded. Fails loudly on any step.
# Usage: docker/verify-image.sh   (needs root and the fast-jar: ./mvnw package; installs what it lacks)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=localhost/artifact-store:0.1.0
BASE_IMAGE=localhost/artifact-store-base:bookworm
PORT=${PORT:-18480}; MANAGEMENT_PORT=$((PORT + 1)); PG_PORT=$((PORT + 2))
WORK=$(mktemp -d /tmp/artifact-store-image.XXXXXX)
CONTAINER=""; SERVICE=""
PG_BIN=""

step() { echo "== $*"; }
fail() { echo "FAILED: $*" >&2; [ -f "$WORK/service.log" ] && tail -40 "$WORK/service.log" >&2; exit 1; }
cleanup() {
  [ -n "$SERVICE" ] && kill "$SERVICE" 2>/dev/null && wait "$SERVICE" 2>/dev/null || true
  [ -n "$CONTAINER" ] && buildah rm "$CONTAINER" >/dev/null 2>&1 || true
  [ -n "$PG_BIN" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need podman || ! need buildah || ! need mmdebstrap || ! need curl || ! need openssl || ! need python3 \
    || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  step "installing podman, buildah, mmdebstrap and PostgreSQL (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah mmdebstrap uidmap curl openssl python3 postgresql >/dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -f target/quarkus-app/quarkus-run.jar ] || fail "no fast-jar: run ./mvnw package first"

if ! podman image exists "$BASE_IMAGE"; then
  step "building the JRE 17 base from Debian bookworm with mmdebstrap"
  mmdebstrap --variant=apt --include=openjdk-17-jre-headless,ca-certificates bookworm "$WORK/base.tar" >"$WORK/mmdebstrap.log" 2>&1 || { tail -20 "$WORK/mmdebstrap.log"; fail "mmdebstrap"; }
  podman import "$WORK/base.tar" "$BASE_IMAGE" >/dev/null
  rm -f "$WORK/base.tar"
fi

step "podman build -f docker/Dockerfile.jvm --build-arg BASE=$BASE_IMAGE"
podman build -q --format docker --isolation chroot --build-arg BASE="$BASE_IMAGE" -f docker/Dockerfile.jvm -t "$IMAGE" . >/dev/null \
  || fail "podman build"
inspect() { podman image inspect --format "$1" "$IMAGE"; }
[ "$(inspect '{{.Config.User}}')" = "185:0" ] || fail "the image does not run as uid 185"
[ -n "$(inspect '{{.Config.Healthcheck}}')" ] || fail "the image has no health check"
echo "image $(inspect '{{.Id}}' | cut -c1-12), $(( $(inspect '{{.Size}}') / 1048576 )) MiB, user $(inspect '{{.Config.User}}')"

step "PostgreSQL on 127.0.0.1:$PG_PORT"
chmod 755 "$WORK"; mkdir -p "$WORK/pg"; chown postgres "$WORK" "$WORK/pg"
echo image-check-password >"$WORK/pg-password"; chmod 644 "$WORK/pg-password"
runuser -u postgres -- "$PG_BIN/initdb" -D "$WORK/pg" -A md5 -U artifacts --pwfile="$WORK/pg-password" >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null

step "a signing key pair and a token (RS256, openssl)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/key.pem" 2>/dev/null
openssl rsa -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem" 2>/dev/null
TOKEN=$(docker/mint-token.sh "$WORK/key.pem" image-check acme 600)

step "running the image (buildah run --isolation chroot --network host), configured by environment variables only"
CONTAINER=$(buildah from "$IMAGE")
# The image's own entrypoint, as an engine would start it.
mapfile -t COMMAND < <(buildah inspect "$CONTAINER" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["OCIv1"]["config"]["Entrypoint"]))')
buildah run --isolation chroot --network host \
  -e QUARKUS_HTTP_PORT="$PORT" -e QUARKUS_MANAGEMENT_PORT="$MANAGEMENT_PORT" \
  -e QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$PG_PORT/postgres" \
  -e QUARKUS_DATASOURCE_USERNAME=artifacts -e QUARKUS_DATASOURCE_PASSWORD=image-check-password \
  -e MP_JWT_VERIFY_ISSUER=image-check -e MP_JWT_VERIFY_PUBLICKEY="$(cat "$WORK/pub.pem")" \
  -e ARTIFACT_STORE_SIGNING_SECRET="$(openssl rand -base64 48)" \
  -e ARTIFACT_STORE_PUBLIC_URL="http://127.0.0.1:$PORT" \
  "$CONTAINER" -- "${COMMAND[@]}" >"$WORK/service.log" 2>&1 &
SERVICE=$!
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$SERVICE" 2>/dev/null || fail "the container exited"
  sleep 0.5
done
status=$(curl -s -o "$WORK/ready.json" -w '%{http_code}' "http://127.0.0.1:$MANAGEMENT_PORT/q/health/ready")
[ "$status" = 200 ] || fail "/q/health/ready answered $status: $(cat "$WORK/ready.json")"
echo "ready: $(tr -d '\n ' <"$WORK/ready.json" | cut -c1-160)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/q/health/ready")" = 404 ] \
  || fail "health is served on the public port"

step "ticket, signed PUT, complete, download through the container"
API="http://127.0.0.1:$PORT/api/v1"
printf 'bytes from the image check\n' >"$WORK/body.txt"
created=$(curl -s -w '\n%{http_code}' -X POST "$API/artifacts" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"type\":\"text\",\"boardId\":\"image-check\",\"contentType\":\"text/plain\",\"size\":$(stat -c%s "$WORK/body.txt")}")
[ "$(tail -1 <<<"$created")" = 201 ] || fail "ticket: $created"
field() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval("d" + sys.argv[2]))' "$(head -1 <<<"$created")" "$1"; }
ID=$(field '["artifact"]["id"]'); URL=$(field '["upload"]["url"]')
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$URL" -H 'Content-Type: text/plain' --data-binary @"$WORK/body.txt")" = 200 ] || fail "signed PUT"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/artifacts/$ID/complete" -H "Authorization: Bearer $TOKEN")" = 200 ] || fail "complete"
curl -sf -L "$API/artifacts/$ID/content" -H "Authorization: Bearer $TOKEN" -o "$WORK/back.txt" || fail "download"
cmp -s "$WORK/body.txt" "$WORK/back.txt" || fail "the downloaded bytes differ"
echo "artifact $ID: ticketed, uploaded, completed and downloaded intact"

step "graceful stop"
kill -TERM "$SERVICE"
for _ in $(seq 1 40); do kill -0 "$SERVICE" 2>/dev/null || break; sleep 0.25; done
kill -0 "$SERVICE" 2>/dev/null && fail "the container ignored SIGTERM for 10 s"
SERVICE=""
echo "image verified"
