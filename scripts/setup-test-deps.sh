#!/usr/bin/env bash
# Installs what the test suite needs beyond npm: Debian's chromium (the validation report test renders
# index.html in a real headless browser) and a font for text in rendered plots. Used by `npm run setup`
# and by .ci/run, so a newcomer and CI install the same things.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no chromium and no apt-get: install a headless Chromium (chromium, chromium-browser) yourself" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
