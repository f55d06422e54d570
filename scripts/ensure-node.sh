#!/bin/sh
# The accessibility tests inject axe-core from npm; install Debian's npm when it is missing.
set -e
if command -v npm >/dev/null 2>&1; then
  exit 0
fi
echo "Installing Debian's npm for the accessibility tests..."
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "npm is missing and cannot be installed without root: apt-get install npm" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
