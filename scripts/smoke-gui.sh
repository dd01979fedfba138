#!/usr/bin/env bash
# Windowed smoke test: start the real app in a virtual X display (Xvfb, Mesa's software GL), let it
# draw its first frames, take the in-app screenshot to a file, check the picture is not blank, quit.
# Usage: scripts/smoke-gui.sh [BINARY]   (default target/debug/optiviz, which `cargo test` builds)
# Installs Xvfb and the libraries the window loads at run time with apt-get when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/optiviz}
[ -x "$bin" ] || cargo build --locked --quiet

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
for pair in libxkbcommon-x11.so.0:libxkbcommon-x11-0 libXcursor.so.1:libxcursor1 libXi.so.6:libxi6; do
  ldconfig -p | grep -q "${pair%%:*}" || need+=("${pair##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  sudo_=""
  [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
disp=":$(( 70 + RANDOM % 20 ))"
Xvfb "$disp" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X${disp#:}" ] && break
  sleep 0.1
done

shot="$work/smoke.png"
# --screenshot takes the picture after the first frames and quits; it fails on a blank picture.
# HOME points into the scratch folder so the smoke test never touches a real user's state.
if ! DISPLAY=$disp WAYLAND_DISPLAY='' HOME="$work" timeout 120 "$bin" --screenshot "$shot" >"$work/app.log" 2>&1; then
  echo "smoke test failed: the app did not take its screenshot"
  cat "$work/app.log"
  exit 1
fi
[ -s "$shot" ] || { echo "smoke test failed: no screenshot file"; cat "$work/app.log"; exit 1; }
size=$(stat -c %s "$shot")
# A blank window compresses to a few kilobytes; the app's heat map and plots do not.
if [ "$size" -lt 50000 ]; then
  echo "smoke test failed: the screenshot is only $size bytes (blank?)"
  exit 1
fi
dims=$(od -An -tu1 -j16 -N8 "$shot" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
echo "smoke test passed: $dims PNG, $size bytes ($(head -n1 "$work/app.log"))"

# One plot alone at 1x: the loss plot of the default scenario, cropped from the window.
plot="$work/loss.png"
if ! DISPLAY=$disp WAYLAND_DISPLAY='' HOME="$work" timeout 120 "$bin" --screenshot "$plot" --plot loss --density 1 >"$work/plot.log" 2>&1; then
  echo "smoke test failed: the loss plot was not exported"
  cat "$work/plot.log"
  exit 1
fi
pdims=$(od -An -tu1 -j16 -N8 "$plot" | awk '{printf "%d %d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
read -r pw ph <<<"$pdims"
# Cropped: narrower than the window and much less tall, but a real plot.
if [ "$pw" -lt 300 ] || [ "$ph" -lt 80 ] || [ "$ph" -ge 600 ]; then
  echo "smoke test failed: the exported loss plot is ${pw}x${ph}"
  exit 1
fi
echo "plot export passed: loss plot ${pw}x${ph} PNG"
