#!/usr/bin/env bash
# Benchmark (not a CI step): the cold `cargo build` of a new user's binary
# crate that reads the 2024-04 document, three ways, in one run:
#
#   facade       depends on `flexport` by path, default features
#   facade-ring  the same with `default-features = false, features =
#                ["v2024-04", "rustls-ring"]` (rustls with ring, no aws-lc-sys)
#   progenitor   bare progenitor 0.15 in the user's own build.rs
#                (builder interface, separate tags) on specs/2024-04.json
#   openapi-gen  openapi-generator's `-g rust` client of specs/2024-04.json
#                (`openapi-generator-cli` from PyPI; needs `java`)
#
# Each user crate lives in its own temp dir, outside the workspace, with its
# own CARGO_TARGET_DIR and the default dev profile (the workspace's
# [profile.*] sections do not reach it). Dependencies are fetched before the
# clock starts, so the figures are compile time only. The three builds run
# one after another, never in parallel: the ratios are only meaningful
# because they come from the same run on the same (possibly loaded) machine.
#
# Then each crate's src/main.rs is touched and rebuilt; the script reports
# whether any build script ran again in that rebuild.
#
# Fixes applied to openapi-generator's output so that it builds (scripted
# below, nothing else is changed):
#   1. `--additional-properties=packageVersion=0.1.0`: the generator
#      otherwise derives the crate version `2024-04.0.0` from info.version,
#      which Cargo rejects.
#   2. `models::models::GrantTypes` -> `models::GrantTypes` in the generated
#      sources (a path the generator writes that does not exist).
#
# Usage: scripts/measure-build.sh [facade|facade-ring|facade@CHECKOUT|progenitor|openapi-gen]...
#   (no argument: all three; `facade@/path/to/other/checkout` builds the
#   facade of another checkout, to compare two commits in one run). Keeps its work dir (printed) for inspection;
#   `cargo build --timings` reports are in each case's dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
spec="$repo/specs/2024-04.json"
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(facade progenitor openapi-gen)

OAG_VERSION=7.26.0
PROGENITOR_VERSION=0.15
work="${MEASURE_BUILD_DIR:-$(mktemp -d /tmp/measure-build.XXXXXX)}"
mkdir -p "$work"
echo "work dir: $work" >&2
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR RUSTFLAGS CARGO_INCREMENTAL

now() { date +%s.%N; }

# The dependencies every generated client needs at run time, as a user
# following progenitor's README would write them.
progenitor_deps='futures = "0.3"
progenitor-client = "'$PROGENITOR_VERSION'"
reqwest = { version = "0.13", features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", features = ["serde"] }
uuid = { version = "1", features = ["serde", "v4"] }
regress = "0.10"'

setup_facade() {
  local d=$1 repo=$2 features=${3:-}
  cat >"$d/Cargo.toml" <<EOF
[package]
name = "user-facade"
version = "0.1.0"
edition = "2024"

[dependencies]
flexport = { path = "$repo/crates/flexport"$features }
EOF
  cat >"$d/src/main.rs" <<'EOF'
use flexport::v2024_04::{Client, prelude::*};

fn main() {
    let client: Client = flexport::ClientBuilder::new()
        .token("token")
        .build()
        .expect("client");
    let request = client.get_order().order_id("123").send();
    drop(request);
    println!("built");
}
EOF
}

setup_progenitor() {
  local d=$1
  cp "$spec" "$d/openapi.json"
  cat >"$d/Cargo.toml" <<EOF
[package]
name = "user-progenitor"
version = "0.1.0"
edition = "2021"

[dependencies]
$progenitor_deps

[build-dependencies]
progenitor = "$PROGENITOR_VERSION"
openapiv3 = "2"
prettyplease = "0.2"
serde_json = "1"
syn = "2"
EOF
  cat >"$d/build.rs" <<'EOF'
fn main() {
    let src = "openapi.json";
    println!("cargo:rerun-if-changed={src}");
    let file = std::fs::File::open(src).unwrap();
    let spec = serde_json::from_reader(file).unwrap();
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Separate);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).unwrap();
    let ast = syn::parse2(tokens).unwrap();
    let content = prettyplease::unparse(&ast);
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("codegen.rs");
    std::fs::write(out, content).unwrap();
}
EOF
  cat >"$d/src/main.rs" <<'EOF'
include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

fn main() {
    let client = Client::new("https://logistics-api.flexport.com");
    let request = client.get_order().order_id("123").send();
    drop(request);
    println!("built");
}
EOF
}

setup_openapi_gen() {
  local d=$1
  if ! openapi-generator-cli version 2>/dev/null | grep -q "$OAG_VERSION"; then
    python3 -m venv "$work/oag-venv"
    "$work/oag-venv/bin/pip" install --quiet "openapi-generator-cli==$OAG_VERSION"
    PATH="$work/oag-venv/bin:$PATH"
  fi
  openapi-generator-cli generate -g rust -i "$spec" -o "$d/client" \
    --additional-properties=packageName=flexport-oag,packageVersion=0.1.0 \
    >"$d/generate.log" 2>&1
  # Fix 2 (see the header).
  grep -rl 'models::models::' "$d/client/src" | xargs -r sed -i 's/models::models::/models::/g'
  cat >"$d/Cargo.toml" <<'EOF'
[package]
name = "user-openapi-gen"
version = "0.1.0"
edition = "2021"

[dependencies]
flexport-oag = { path = "client" }
tokio = { version = "1", features = ["rt"] }
EOF
  cat >"$d/src/main.rs" <<'EOF'
use flexport_oag::apis::{configuration::Configuration, orders_api};

fn main() {
    let config = Configuration::new();
    let request = orders_api::get_order(&config, "123");
    drop(request);
    println!("built");
}
EOF
}

declare -A cold rebuild rerun
for c in "${cases[@]}"; do
  d="$work/$(echo "$c" | tr -c 'A-Za-z0-9\n-' _)"
  rm -rf "$d"
  mkdir -p "$d/src"
  case $c in
    facade) setup_facade "$d" "$repo" ;;
    facade-ring) setup_facade "$d" "$repo" ', default-features = false, features = ["v2024-04", "rustls-ring"]' ;;
    facade@*) setup_facade "$d" "$(cd "${c#facade@}" && pwd)" ;;
    progenitor) setup_progenitor "$d" ;;
    openapi-gen) setup_openapi_gen "$d" ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
  export CARGO_TARGET_DIR="$d/target"
  (cd "$d" && cargo generate-lockfile --quiet && cargo fetch --quiet)
  echo "== $c: cold cargo build" >&2
  t0=$(now)
  (cd "$d" && cargo build --offline --timings >"$d/cold.log" 2>&1) || { tail -30 "$d/cold.log" >&2; exit 1; }
  t1=$(now)
  cold[$c]=$(echo "$t1 - $t0" | bc)
  (cd "$d" && cargo run --offline --quiet >/dev/null)
  touch "$d/src/main.rs"
  t0=$(now)
  (cd "$d" && cargo build --offline -v >"$d/rebuild.log" 2>&1)
  t1=$(now)
  rebuild[$c]=$(echo "$t1 - $t0" | bc)
  if grep -q 'build-script-build`' "$d/rebuild.log" && grep -q 'Running `.*build-script-build' "$d/rebuild.log"; then
    rerun[$c]=yes
  else
    rerun[$c]=no
  fi
  echo "   cold ${cold[$c]} s, rebuild ${rebuild[$c]} s, build script rerun: ${rerun[$c]}" >&2
  cp "$d"/target/cargo-timings/cargo-timing.html "$d/cargo-timing.html" 2>/dev/null || true
done

printf '\n| user crate depends on | cold cargo build | rebuild after touching main.rs | build script rerun |\n'
printf '|---|---|---|---|\n'
for c in "${cases[@]}"; do
  printf '| %s | %.1f s | %.2f s | %s |\n' "$c" "${cold[$c]}" "${rebuild[$c]}" "${rerun[$c]}"
done
for f in "${cases[@]}"; do
  case $f in facade*) ;; *) continue ;; esac
  for b in openapi-gen progenitor; do
    [ -n "${cold[$b]:-}" ] && printf '%s/%s cold: %.2fx\n' "$f" "$b" "$(echo "${cold[$f]} / ${cold[$b]}" | bc -l)"
  done
done
echo "timings: $work/*/cargo-timing.html"
