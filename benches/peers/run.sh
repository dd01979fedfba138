#!/usr/bin/env bash
# One full `optiviz bench` run and its peers in the same minutes, written into docs/performance.md
# (the bench's page, then the peers' figures) and assets/scaling.png (the scaling curves).
# numpy + contourpy time the contour pipeline (contour_peer.py); JAX times MLP training
# (mlp_peer.py, on one core); both read the bench's figures from the same run's JSON.
# Usage: bash benches/peers/run.sh   (builds the release binary; makes a Python venv in target/)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${CARGO_TARGET_DIR:-target}
venv=target/peers-venv
if ! "$venv/bin/python" -c "import numpy, contourpy, jax, matplotlib" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet numpy contourpy "jax[cpu]" matplotlib
fi
py="$venv/bin/python"
cargo build --release --locked --quiet
pin=()
if command -v taskset >/dev/null; then
  pin=(taskset -c 0)
fi

echo "optiviz bench (several minutes)..." >&2
"$out/release/optiviz" bench --markdown --json-out "$out/bench.json" > "$out/bench.md"
"$py" benches/peers/contour_peer.py --bench-json "$out/bench.json" --out "$out/peers-contour.json" \
  | tee "$out/peers-contour.txt"
"${pin[@]}" "$py" benches/peers/mlp_peer.py --grid --bench-json "$out/bench.json" \
  --out "$out/peers-mlp.json" | tee "$out/peers-mlp.txt"
"$py" benches/peers/plot_scaling.py --bench "$out/bench.json" --contour "$out/peers-contour.json" \
  --mlp "$out/peers-mlp.json" --out assets/scaling.png
finished=$(date -u "+%Y-%m-%d %H:%M UTC")

{
  cat "$out/bench.md"
  printf '\n## Peers (same run)\n\n'
  printf 'Measured by `bash benches/peers/run.sh` right after the figures above, from the same run'"'"'s\n'
  printf 'JSON (`--json-out`); finished at %s. The ratios are the peer'"'"'s time over optiviz'"'"'s\n' "$finished"
  printf '(contours) and optiviz'"'"'s steps/s over the peer'"'"'s (MLP training).\n\n'
  printf '![Scaling curves: contour pipeline time against grid side; MLP training steps/s against batch size](../assets/scaling.png)\n\n'
  printf '### Contours: numpy + contourpy (benches/peers/contour_peer.py)\n\n```text\n'
  cat "$out/peers-contour.txt"
  printf '```\n\n### MLP training: JAX (benches/peers/mlp_peer.py)\n\n```text\n'
  cat "$out/peers-mlp.txt"
  printf '```\n'
} > docs/performance.md
echo "wrote docs/performance.md and assets/scaling.png" >&2
