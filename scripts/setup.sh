#!/usr/bin/env bash
# Quick start on Debian/Ubuntu: installs what pcsc and its test rig use, builds, then runs `pcsc scan -r`.
# Installs system packages only when missing, and only with apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian 12's own nodejs is 18: say so before installing anything.
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null && command -v npm >/dev/null ||
  { echo "setup: pcsc needs Node.js >= 20 and npm on PATH (found: $(node --version 2>/dev/null || echo none)); Debian 12's nodejs package is 18: install Node 20 from nodejs.org or NodeSource" >&2; exit 1; }

PKGS=(pcscd libccid pcsc-tools libpcsclite-dev gcc python3 vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome
      openssh-client softhsm2 opensc-pkcs11
      qemu-system-x86 busybox-static cpio libnss3-tools xz-utils)
missing=()
PKGS+=(man-db groff-base zsh)  # the package tests: man pages, completion scripts
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund
npm run build --silent
echo "setup: done. Running: pcsc scan -r" >&2
exec ./bin/run.js scan -r "$@"
