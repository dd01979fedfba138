#!/usr/bin/env bash
# Times the contour workload with numpy + contourpy beside `optiviz bench` and prints the ratio.
# Usage: benches/peers/run.sh   (builds the release binary; makes a Python venv in target/)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/peers-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy contourpy
fi
cargo build --release --locked --quiet
"$venv/bin/python" benches/peers/contour_peer.py target/release/optiviz
