#!/bin/sh
# System packages the kiosk needs that pip cannot install:
#   libzbar0      - the barcode library pyzbar loads at run time
#   python3-venv  - Debian splits venv/ensurepip out of python3
# Installed with apt-get when missing and we are root; otherwise a clear message.
set -eu
PYTHON=${PYTHON:-python3}
missing=""
if ! ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then
    missing="$missing libzbar0"
fi
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing="$missing python3-venv"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
    exit 0
fi
echo "Missing system packages:$missing" >&2
echo "Install them with:  sudo apt-get install$missing" >&2
exit 1
