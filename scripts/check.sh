#!/usr/bin/env bash
# Everything CI checks, in the order a developer wants to hear about failures.
# Usage: scripts/check.sh        (what .ci/run calls; also run it before every commit)
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$(date +%s)
step() { printf '\n== %s  (%s s so far)\n' "$*" "$(( $(date +%s) - t0 ))"; }
# A clean CI build gains nothing from incremental compilation and pays for it.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

step "format"
cargo fmt --all -- --check

step "clippy (all targets, GUI and headless builds)"
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --all-targets --locked --no-default-features -- -D warnings

step "clippy (the browser build: the app for wasm32, its platform side included)"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo clippy --locked --target wasm32-unknown-unknown -p optiviz-web -- -D warnings

step "tests without the GUI (numerics and scenario never need egui)"
cargo test --locked --no-default-features

step "tests (the README's test command)"
cargo test --locked

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --no-default-features
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked

step "windowed smoke test under Xvfb (the debug binary cargo test built)"
scripts/smoke-gui.sh target/debug/optiviz

step "the web build in headless Chromium (builds web/dist)"
scripts/web-smoke.sh
echo
echo "all checks passed"
