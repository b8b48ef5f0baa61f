#!/usr/bin/env bash
# Benchmark (not a CI step): instructions per call of the facade against a
# plain reqwest call, counted by callgrind, which gives the same count on a
# loaded machine as on an idle one (times do not).
#
# For each side, the overhead bench runs N and 2N calls of it under
# `valgrind --tool=callgrind`; (Ir(2N) - Ir(N)) / N is the instructions per
# call with the setup (runtime, server, client) cancelled out. The in-process
# server's instructions are counted on both sides alike.
#
# Usage: scripts/overhead-instructions.sh [N]   (default 300)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
n=${1:-300}
cd "$repo"
bench=$(cargo bench -p flexport --bench overhead --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*overhead[^"]*\)".*/\1/p' | tail -1)
[ -x "$bench" ] || { echo "could not build the overhead bench" >&2; exit 1; }
work=$(mktemp -d /tmp/overhead-ir.XXXXXX)
trap 'rm -rf "$work"' EXIT
count() { # side calls -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$work/out" "$bench" --only "$1" --calls "$2" \
    >/dev/null 2>"$work/log"
  sed -n 's/^summary: //p;s/^totals: //p' "$work/out" | head -1
}
per_call() {
  local a b
  a=$(count "$1" "$n")
  b=$(count "$1" $((2 * n)))
  echo $(((b - a) / n))
}
for method in get post; do
  plain=$(per_call "plain-$method")
  facade=$(per_call "facade-$method")
  printf '%-4s instructions per call: plain reqwest %d, facade %d, ratio %.3f\n' \
    "${method^^}" "$plain" "$facade" "$(echo "$facade / $plain" | bc -l)"
done
