#!/usr/bin/env bash
# Builds optiviz's web version into web/dist/ (index.html, the .wasm, the JavaScript glue): a
# static folder that any static host serves as it is; nothing is fetched at run time.
#
#   bash scripts/web.sh            # build web/dist/
#   bash scripts/web.sh --serve    # build, then serve it on http://127.0.0.1:8000/
#
# Installs what it needs when missing: the wasm32 target (rustup) and wasm-bindgen-cli at the
# exact version of the wasm-bindgen crate in Cargo.lock (cargo install, from crates.io).
set -euo pipefail
cd "$(dirname "$0")/.."

serve=false
for arg in "$@"; do
    case "$arg" in
        --serve) serve=true ;;
        *) echo "usage: bash scripts/web.sh [--serve]" >&2; exit 2 ;;
    esac
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$version" ]; then
    echo "scripts/web.sh: no wasm-bindgen in Cargo.lock" >&2
    exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    # Not --locked: the CLI's own lock file names a yanked webpki-roots. --force: cargo's record
    # of installed packages may name a binary that is gone.
    cargo install --force wasm-bindgen-cli --version "$version"
fi

cargo build --release --target wasm32-unknown-unknown -p optiviz-web
out=web/dist
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-dir "$out.tmp" \
    target/wasm32-unknown-unknown/release/optiviz_web.wasm
cp web/static/index.html "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"

wasm="$out/optiviz_web_bg.wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "web/dist: $(du -sh "$out" | cut -f1); wasm $((raw / 1024)) KiB, gzipped $((gz / 1024)) KiB"

if $serve; then
    echo "serving on http://127.0.0.1:8000/ (Ctrl+C stops)"
    exec python3 -m http.server --bind 127.0.0.1 --directory "$out" 8000
fi
