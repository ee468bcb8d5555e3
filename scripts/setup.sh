#!/usr/bin/env bash
# Quick start on Debian/Ubuntu: installs what pcsc and its test rig use, builds, then gets pcscd
# running and shows the readers, or the demo when there is none (scripts/setup-pcscd.sh).
# Installs system packages only when missing, and only with apt-get (as root, or through sudo).
# Options, for that last step: --no-demo (name the demo instead of running it), --dry-run (say
# what it would do about pcscd, and do none of it).
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do # checked before anything is installed
  case "$arg" in
    --no-demo | --dry-run) ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option $arg (options: --no-demo, --dry-run)" >&2; exit 2 ;;
  esac
done
# Debian 12's own nodejs is 18: say so before installing anything.
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null && command -v npm >/dev/null ||
  { echo "setup: pcsc needs Node.js >= 20 and npm on PATH (found: $(node --version 2>/dev/null || echo none)); Debian 12's nodejs package is 18: install Node 20 from nodejs.org or NodeSource" >&2; exit 1; }

PKGS=(pcscd libccid pcsc-tools libpcsclite-dev gcc python3 vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome
      openssh-client softhsm2 opensc-pkcs11
      qemu-system-x86 busybox-static cpio libnss3-tools xz-utils)
missing=()
PKGS+=(man-db groff-base zsh)  # the package tests: man pages, completion scripts
PKGS+=(bubblewrap systemd)  # the bridge tests: a client in a Flatpak-like sandbox, systemd-analyze verify and systemd-socket-activate
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
echo "setup: built. Now pcscd, then the readers (or the demo)" >&2
exec ./scripts/setup-pcscd.sh "$@"
