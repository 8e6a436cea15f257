#!/bin/sh
# Prints an RS256 JWT the service accepts, signed with openssl alone (README, Tokens).
# Usage: docker/mint-token.sh PRIVATE_KEY_PEM ISSUER TENANT SECONDS [ROLE,ROLE...]
#   roles default to artifacts.read,artifacts.write; used by bench/ and docker/verify-image.sh.
set -eu
key=$1 issuer=$2 tenant=$3 seconds=$4 roles=${5:-artifacts.read,artifacts.write}
b64url() { openssl base64 -e -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
groups=$(printf '%s' "$roles" | sed 's/[^,][^,]*/"&"/g')
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"%s","sub":"%s","tenant_id":"%s","groups":[%s],"iat":%d,"exp":%d}' \
  "$issuer" "$tenant" "$tenant" "$groups" "$now" $((now + seconds)) | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$key" | b64url)"
