#!/usr/bin/env bash
# Soak test (not part of the default test run): plays every shipped preset in the real app under
# Xvfb, moving through the deck with PageDown as a presenter would, and checks that the process
# stays up and its memory stays flat.
# Usage: scripts/soak.sh [SECONDS_PER_PRESET] [ROUNDS]   (defaults 5 and 2; release build)
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-5}; rounds=${2:-2}
need=()
command -v Xvfb >/dev/null || need+=(xvfb libxkbcommon-x11-0 libxcursor1 libxi6)
command -v xdotool >/dev/null || need+=(xdotool)
if [ ${#need[@]} -gt 0 ]; then
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cargo build --release --locked --quiet
work=$(mktemp -d)
disp=":$(( 40 + RANDOM % 20 ))"
Xvfb "$disp" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=$disp HOME="$work" target/release/optiviz --fresh presets/01-gd-zigzag.ron >"$work/app.log" 2>&1 &
app=$!
trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 2
win=$(DISPLAY=$disp xdotool search --pid $app 2>/dev/null | tail -n 1)
rss() { awk '/VmRSS/ {print $2}' /proc/$app/status; }
count=$(ls presets/*.ron | wc -l)
first=""
for round in $(seq "$rounds"); do
  for k in $(seq "$count"); do
    kill -0 $app 2>/dev/null || { echo "soak: the app died"; tail -n 20 "$work/app.log"; exit 1; }
    DISPLAY=$disp xdotool windowfocus --sync "$win" key space 2>/dev/null || true
    sleep "$per"
    DISPLAY=$disp xdotool key Next 2>/dev/null || true
    sleep 0.5
  done
  now=$(rss)
  [ -n "$first" ] || first=$now
  echo "round $round: ${count} presets played, RSS $(( now / 1024 )) MB"
done
last=$(rss)
# After the first round everything is allocated once; later rounds must not grow by > 20%.
if [ "$last" -gt $(( first * 12 / 10 )) ]; then
  echo "soak: memory grew from $(( first / 1024 )) MB to $(( last / 1024 )) MB"
  exit 1
fi
echo "soak passed: up after $rounds rounds, RSS $(( first / 1024 )) MB -> $(( last / 1024 )) MB"
