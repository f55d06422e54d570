#!/bin/sh
# Browser tests drive Debian's Chromium through Playwright (`playwright install` cannot
# download browsers here). Install it with apt-get when it is missing.
set -e
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "chromium is missing and cannot be installed without root: apt-get install chromium" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
