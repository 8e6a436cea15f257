#!/usr/bin/env bash
# Offline checks of the operations files: the kustomize overlays build and every object matches its
# schema and has no field its type lacks, docker/compose.yaml matches the Compose specification and mounts only files that exist, the
# alert rules pass promtool's checks and unit tests, the k8s PrometheusRule carries the same rules,
# and the dashboard and the rules name only metrics the service exports. Fails loudly on any problem.
# Installs what is missing with the ordinary clients (apt-get for promtool, npm for the validators,
# pinned in .ci/ops/package-lock.json). Needs no cluster and no Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

if ! command -v promtool >/dev/null; then
  echo "Installing promtool (Debian package prometheus)..."
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if ! command -v kubectl >/dev/null; then
  echo "kubectl (with its built-in kustomize) is missing: install it (e.g. Debian's kubernetes-client is too old for kustomize v5)" >&2
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "Installing Node.js and npm (Debian packages)..."
  apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "tools: $(kubectl version --client 2>/dev/null | tr '\n' ' '); $(promtool --version 2>&1 | head -1); node $(node --version)"
# The validators, at the versions package-lock.json pins.
(cd .ci/ops && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Kustomize builds:"
rendered=()
for dir in k8s/base k8s/overlays/*/; do
  dir=${dir%/}
  out="$work/$(echo "$dir" | tr / _).yaml"
  kubectl kustomize "$dir" >"$out"
  echo "  ok  $dir builds ($(grep -c '^kind:' "$out") objects)"
  rendered+=("$out")
done

echo "Prometheus:"
promtool check rules docker/prometheus/rules.yml | sed 's/^/  /'
# The Compose Prometheus reads the rules at its own path; check its configuration against ours.
sed 's|/etc/prometheus/rules.yml|'"$PWD"'/docker/prometheus/rules.yml|' docker/prometheus/prometheus.yml >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" | sed 's/^/  /'
promtool test rules docker/prometheus/rules.test.yml | sed 's/^/  /'

node .ci/ops/check-ops.mjs "${rendered[@]}"
echo "check-ops: all checks passed in $(( $(date +%s) - started )) s"
