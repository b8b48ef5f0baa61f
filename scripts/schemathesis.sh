#!/usr/bin/env bash
# Fuzzes every operation of every API version's document against one local
# sandbox with schemathesis (from PyPI), in all four phases (examples,
# coverage, fuzzing, stateful), and fails on any 5xx or any response the
# version's document does not allow (status, content type, body schema).
#
# Before the runs, scripts/schemathesis-seed.py creates one object of each
# kind and writes a config that binds every path parameter (shipmentId,
# parcelId, returnId, ...) to the ids created, so id-taking operations are
# tested on objects that exist.
#
# Usage: scripts/schemathesis.sh [VERSION...]   (default: every version)
# The first run also creates a virtualenv under target/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${MAX_EXAMPLES:-25}

venv=target/schemathesis-venv
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ $# -gt 0 ]; then
  versions=("$@")
else
  read -r -a versions <<<"$(cargo xtask versions | tr '\n' ' ')"
fi

cargo build --quiet -p flexport-sandbox
token="schemathesis-$RANDOM$RANDOM"
work=$(mktemp -d)
target/debug/flexport-sandbox --port 0 --token "$token" >"$work/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$work/sandbox.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the sandbox did not start:"; cat "$work/sandbox.log"; exit 1; }

"$venv/bin/python" scripts/schemathesis-seed.py "$url" "$token" >"$work/schemathesis.toml"

failed=()
for version in "${versions[@]}"; do
  printf '\n== schemathesis: %s\n' "$version"
  log="$work/$version.log"
  if "$venv/bin/st" --config-file "$work/schemathesis.toml" run "specs/$version.json" \
    --url "$url" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" --seed 1 --workers 2 --no-color >"$log" 2>&1; then
    sed -n '/Missing test data/,/^$/p;/^=* SUMMARY/,$p' "$log"
  else
    cat "$log"
    failed+=("$version")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis failed for: ${failed[*]}"
  exit 1
fi
