#!/bin/sh
# Boots the QEMU CCID guest once and runs bench/usb-roundtrip.mjs there (needs `npm run build`).
set -eu
cd "$(dirname "$0")/.."
[ -f dist/core/index.js ] || { echo "usb-roundtrip: run npm run build first" >&2; exit 2; }
CCID_VM_PASS="BENCH_N" exec sh test/rig/ccid-vm.sh node bench/usb-roundtrip.mjs
