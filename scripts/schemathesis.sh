#!/usr/bin/env bash
# Fuzzes every operation of every API version's document against one local
# sandbox with schemathesis (from PyPI), in all four phases (examples,
# coverage, fuzzing, stateful), and fails on any 5xx or any response the
# version's document does not allow (status, content type, body schema).
#
# schemathesis reads the documents as served to validators
# (`flexport-validator documents`, as scripts/validate.sh gives Prism): a
# type wherever `nullable` appears, and the production differences of
# flexport_runtime::production::DIFFERENCES applied, so it flags every
# answer the document does not allow except those differences.
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

token="schemathesis-$RANDOM$RANDOM"
work=$(mktemp -d)
target/debug/flexport-validator documents "$work/documents" >/dev/null
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

# One schemathesis process per version, two at a time, each with one
# worker: hypothesis 6 on CPython 3.11 can fail with "AST constructor
# recursion depth mismatch" when two threads of one process describe
# lambdas at once (seen with --workers 2 on POST /inbounds/shipments), an
# error of the tool, not of the sandbox; processes share no such state.
run_version() {
  local status=0
  "$venv/bin/st" --config-file "$work/schemathesis.toml" run "$work/documents/$1.json" \
    --url "$url" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" --seed 1 --workers 1 --no-color >"$work/$1.log" 2>&1 || status=$?
  echo "$status" >"$work/$1.status"
}
# `wait -n` and a bare `wait` would also wait for the sandbox: wait for
# the runs by their process ids.
runs=()
for version in "${versions[@]}"; do
  if [ ${#runs[@]} -ge 2 ]; then
    wait "${runs[0]}" || true
    runs=("${runs[@]:1}")
  fi
  run_version "$version" &
  runs+=($!)
done
for run in "${runs[@]}"; do
  wait "$run" || true
done

failed=()
for version in "${versions[@]}"; do
  printf '\n== schemathesis: %s\n' "$version"
  if [ "$(cat "$work/$version.status" 2>/dev/null)" = 0 ]; then
    sed -n '/^Missing test data/,/^Schema validation mismatch/p;/^=* SUMMARY/,$p' "$work/$version.log" | grep -v '^Schema validation mismatch'
  else
    cat "$work/$version.log"
    failed+=("$version")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis failed for: ${failed[*]}"
  exit 1
fi
