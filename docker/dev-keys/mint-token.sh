#!/bin/sh
# DEV-ONLY (docker/compose.yaml): makes an RSA key pair for JWTs once, keeps it in the volume mounted
# at /keys, and prints a token for tenant "dev" with every role, valid 7 days.
set -eu
apk add --no-cache openssl >/dev/null
if [ ! -f /keys/private.pem ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out /keys/private.pem 2>/dev/null
  openssl rsa -in /keys/private.pem -pubout -out /keys/public.pem 2>/dev/null
  chmod 644 /keys/public.pem
fi
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"artifact-store-compose","sub":"dev","tenant_id":"dev","groups":["artifacts.read","artifacts.write","artifacts.admin"],"iat":%d,"exp":%d}' "$now" $((now + 604800)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign /keys/private.pem | b64url)
echo "export TOKEN=$header.$payload.$signature"
