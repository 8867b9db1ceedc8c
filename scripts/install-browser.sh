#!/usr/bin/env bash
# Installs what test/browser needs: Debian's Chromium, driven by playwright-core (which cannot download its own
# browser build here). Idempotent: does nothing when /usr/bin/chromium exists. CI runs it before `npm test`.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-liberation
/usr/bin/chromium --version
