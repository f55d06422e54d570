#!/bin/sh
# Install a Debian package with apt-get when its command is missing. Browser tests drive
# Debian's Chromium through Playwright (`playwright install` cannot download browsers here),
# and the accessibility tests inject axe-core from npm.
#
# Usage: sh scripts/ensure-debian-package.sh COMMAND PACKAGE "what it is for"
set -e
command_name=$1
package=$2
purpose=$3
if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
echo "Installing Debian's $package for $purpose..."
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "$package is missing and cannot be installed without root: apt-get install $package" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
