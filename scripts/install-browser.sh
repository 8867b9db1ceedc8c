#!/usr/bin/env bash
# Installs what test/browser needs: Debian's Chromium, driven by playwright-core (which cannot download its own
# browser build here). Runs before `npm test`. Idempotent: does nothing when a Chromium is already there.
# Only root (or a user with password-less sudo) can install it; anyone else is told how, and `npm test` runs
# everything else — test/browser then reports itself skipped with the same hint.
set -euo pipefail

for candidate in "${HUBQL_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "chromium: $("$candidate" --version 2>/dev/null || echo "$candidate")"
    exit 0
  fi
done

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "chromium is not installed, and installing it needs root. The browser test will be skipped; to run it:"
  echo "  sudo apt-get install chromium fonts-liberation    (or set HUBQL_CHROMIUM to a Chromium binary)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-liberation
/usr/bin/chromium --version
