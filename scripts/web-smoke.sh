#!/usr/bin/env bash
# The web build, tested in a real browser: builds web/dist (scripts/web.sh), then loads it in
# Debian's headless Chromium and checks it draws, plays and opens links (tests/web/smoke.mjs).
# Installs what is missing: chromium (apt-get), playwright-core and pngjs (npm, no browser
# download). Screenshots go to target/web-smoke/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
fi
bash scripts/web.sh
(cd tests/web && npm ci --no-audit --no-fund --silent)
node tests/web/smoke.mjs --shots target/web-smoke
