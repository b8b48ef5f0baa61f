#!/usr/bin/env bash
# An independent validator between the SDK and the sandbox: Prism's
# validation proxy (`prism proxy DOC SANDBOX --errors`, from the npm
# registry) in front of one local sandbox, one proxy per API version, and
# through each of them the workflow example (2024-04) and the typed driver
# of every operation of that version's `OPERATIONS` table
# (crates/flexport-validator). Any request the SDK sends, or answer the
# sandbox gives, that the version's document does not allow is answered by
# Prism with a problem of type https://stoplight.io/prism/errors#..., and
# fails the run.
#
# Prism reads the documents as served to validators
# (`flexport-validator documents`): a type wherever `nullable` appears
# (Prism skips, silently, every schema holding a typeless one) and the
# production differences of flexport_runtime::production::DIFFERENCES
# applied. Before the runs, a self-check sends `POST /products {"name": 5}`
# through the 2024-04 proxy and fails unless Prism flags it.
#
# Usage: scripts/validate.sh [VERSION...]   (default: every version)
# Prism is installed under target/prism (npm's cache too): nothing outside
# the clone is written.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_VERSION=5.16.0
prefix=$PWD/target/prism
prism=$prefix/node_modules/.bin/prism
if ! "$prism" --version 2>/dev/null | grep -qx "$PRISM_VERSION"; then
  # --ignore-scripts: the one install script in its tree is a usage ping.
  npm_config_cache=$prefix/npm-cache npm install --prefix "$prefix" --no-save --no-audit \
    --no-fund --ignore-scripts --loglevel=error "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null
fi
export SCARF_ANALYTICS=false

# target/debug/{xtask,flexport-sandbox,flexport-validator}, built here
# unless FLEXPORT_BINARIES_BUILT=1 says they are there: .ci/run sets it
# after `cargo test --workspace`, which builds them with the workspace's
# features (a `-p` build resolves other features, so it would build the
# version crates again).
if [ "${FLEXPORT_BINARIES_BUILT:-}" != 1 ]; then
  cargo build --quiet -p xtask -p flexport-sandbox -p flexport-validator
fi

if [ $# -gt 0 ]; then
  versions=("$@")
else
  read -r -a versions <<<"$(target/debug/xtask versions | tr '\n' ' ')"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

target/debug/flexport-validator documents "$work/documents"

token="validator-$RANDOM$RANDOM"
target/debug/flexport-sandbox --port 0 --token "$token" --receive-after 0.2 --ship-after 0.2 \
  >"$work/sandbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  sandbox=$(sed -n 's/^listening on //p' "$work/sandbox.log")
  [ -n "$sandbox" ] && break
  sleep 0.1
done
[ -n "$sandbox" ] || { echo "the sandbox did not start:"; cat "$work/sandbox.log"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_prism NAME DOCUMENT: a proxy in front of the sandbox; its URL in
# $work/NAME.url, its log in $work/NAME.log.
start_prism() {
  local port
  port=$(free_port)
  "$prism" proxy "$2" "$sandbox" --errors -h 127.0.0.1 -p "$port" >"$work/$1.log" 2>&1 &
  pids+=($!)
  echo "http://127.0.0.1:$port" >"$work/$1.url"
}
wait_prism() {
  for _ in $(seq 600); do
    grep -q "Prism is listening" "$work/$1.log" && return 0
    sleep 0.1
  done
  echo "Prism did not start for $1:"
  cat "$work/$1.log"
  exit 1
}

for version in "${versions[@]}"; do
  start_prism "$version" "$work/documents/$version.json"
done
# The same check through the committed document as it is, to show what the
# rewrite changes (reported, not required).
case " ${versions[*]} " in *" 2024-04 "*) start_prism raw-2024-04 specs/2024-04.json ;; esac
for version in "${versions[@]}"; do wait_prism "$version"; done

# post_name_5 URL: the status of `POST /products {"name": 5}` and whether
# Prism flagged it.
post_name_5() {
  curl -s -o "$work/answer" -w '%{http_code}' -X POST "$1/logistics/api/2024-04/products" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"name": 5}'
  if grep -q 'stoplight.io/prism/errors#' "$work/answer"; then echo " flagged by Prism"; else echo " not flagged by Prism"; fi
}
if [ -f "$work/2024-04.url" ]; then
  printf '\n== the validator sees the CreateProduct body\n'
  served=$(post_name_5 "$(cat "$work/2024-04.url")")
  echo "served document:    POST /products {\"name\": 5} -> $served"
  wait_prism raw-2024-04
  echo "committed document: POST /products {\"name\": 5} -> $(post_name_5 "$(cat "$work/raw-2024-04.url")")"
  case "$served" in *" flagged by Prism") ;; *) echo "Prism is blind to the CreateProduct body"; exit 1 ;; esac
fi

failed=()
for version in "${versions[@]}"; do
  printf '\n== validator: %s\n' "$version"
  extra=()
  [ "$version" = 2024-04 ] && extra=(--workflow)
  if ! target/debug/flexport-validator drive "$version" "$(cat "$work/$version.url")" "$sandbox" \
    "$token" "${extra[@]}"; then
    failed+=("$version")
  fi
  received=$(grep -c 'Request received' "$work/$version.log" || true)
  violations=$(grep 'Request terminated with error: https://stoplight.io/prism/errors#' \
    "$work/$version.log" || true)
  [ "$version" = 2024-04 ] && received=$((received - 1)) # the self-check above
  [ "$version" = 2024-04 ] && violations=$(echo "$violations" | sed 1d)
  count=$(printf '%s' "$violations" | grep -c . || true)
  echo "prism: $version: $received requests validated, $count violations"
  if [ "$count" -gt 0 ]; then
    echo "$violations"
    failed+=("$version")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "validator failed for: ${failed[*]}"
  exit 1
fi
