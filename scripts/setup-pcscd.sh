#!/usr/bin/env bash
# The last step of scripts/setup.sh: make pcscd reachable the way this machine expects, then show
# what pcsc sees: the readers, or, with no reader (or no pcscd it may start), the demo
# (`npm run demo`: a private pcscd with a virtual reader and card). It never stops or replaces a
# pcscd that runs, and starts one only on pcscd's own socket.
#
# usage: scripts/setup-pcscd.sh [--dry-run] [--no-demo]
#   --dry-run  print the facts and what it would do; do none of it (nothing enabled, started or run)
#   --no-demo  name the demo instead of running it
#
# The facts it decides from are read from the machine, unless set in the environment (the tests
# set them, with --dry-run):
#   PCSC_SETUP_INSTALLED 1 when /usr/sbin/pcscd is there, else 0
#   PCSC_SETUP_SYSTEMD   1 when systemd runs (/run/systemd/system exists), else 0
#   PCSC_SETUP_ROOT      1 when running as root, else 0
#   PCSC_SETUP_SUDO      1 when sudo is on PATH, else 0
#   PCSC_SETUP_ANSWERS   1 when something accepts connections on pcscd's socket, else 0
#   PCSC_SETUP_LISTENING 1 when a process listens on the socket path without answering (a pcscd
#                        whose socket file was removed), else 0 (read only when nothing answers)
#   PCSC_SETUP_READERS   the number of readers pcscd lists, or "error" (read only when it answers)
# pcscd's socket is $PCSCLITE_CSOCK_NAME when set (as for every pcsc command), else the system's.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0 DEMO=1
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    --no-demo) DEMO=0 ;;
    -h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option $arg (see $0 --help)" >&2; exit 2 ;;
  esac
done

SYSTEM_SOCKET=/run/pcscd/pcscd.comm
SOCKET=${PCSCLITE_CSOCK_NAME:-$SYSTEM_SOCKET}
PCSCD=/usr/sbin/pcscd
PCSC=./bin/run.js

say() { echo "setup: $*" >&2; }

# Facts --------------------------------------------------------------------------------------------

answers() { # something accepts connections on the socket (pcscd, or systemd holding it for pcscd;
  # a pcscd that hangs accepts too, and then fails to list its readers: count_readers says "error")
  node -e 'const s = require("net").connect(process.argv[1]);
    s.on("connect", () => process.exit(0)).on("error", () => process.exit(1));
    setTimeout(() => process.exit(1), 3000);' "$SOCKET"
}

listening() { # a process listens on the socket (answering or not): /proc/net/unix, flag __SO_ACCEPTCON
  awk -v path="$SOCKET" '$4 == "00010000" && $NF == path { found = 1 } END { exit !found }' /proc/net/unix 2>/dev/null
}

count_readers() {
  local json
  json=$("$PCSC" scan -r --json --backend pcscd 2>/dev/null) &&
    node -e 'console.log(JSON.parse(process.argv[1]).readers.length)' "$json" 2>/dev/null ||
    echo error
}

: "${PCSC_SETUP_INSTALLED:=$([ -x "$PCSCD" ] && echo 1 || echo 0)}"
: "${PCSC_SETUP_SYSTEMD:=$([ -d /run/systemd/system ] && echo 1 || echo 0)}"
: "${PCSC_SETUP_ROOT:=$([ "$(id -u)" -eq 0 ] && echo 1 || echo 0)}"
: "${PCSC_SETUP_SUDO:=$(command -v sudo >/dev/null && echo 1 || echo 0)}"
: "${PCSC_SETUP_ANSWERS:=$(answers && echo 1 || echo 0)}"
if [ "$PCSC_SETUP_ANSWERS" = 0 ]; then : "${PCSC_SETUP_LISTENING:=$(listening && echo 1 || echo 0)}"; fi
if [ "$PCSC_SETUP_ANSWERS" = 1 ]; then : "${PCSC_SETUP_READERS:=$(count_readers)}"; else PCSC_SETUP_READERS=; fi
[ "$DRY" = 1 ] && say "facts: installed=$PCSC_SETUP_INSTALLED systemd=$PCSC_SETUP_SYSTEMD root=$PCSC_SETUP_ROOT sudo=$PCSC_SETUP_SUDO" \
  "socket=$SOCKET answers=$PCSC_SETUP_ANSWERS listening=${PCSC_SETUP_LISTENING:-?} readers=${PCSC_SETUP_READERS:-?}"

# Actions ------------------------------------------------------------------------------------------

# Runs a command (in a dry run, only says it would), printing it first.
act() {
  if [ "$DRY" = 1 ]; then say "would run: $*"; return 0; fi
  say "\$ $*"
  "$@"
}

# The command as root: itself when we are root, else through sudo.
act_as_root() {
  if [ "$PCSC_SETUP_ROOT" = 1 ]; then act "$@"; else act sudo "$@"; fi
}

demo() {
  if [ "$DEMO" = 0 ]; then
    say "to see pcsc work without a reader: npm run demo (a private pcscd with a virtual reader and card)"
    exit 0
  fi
  say "meanwhile, the demo: pcsc's commands against a private pcscd with a virtual reader and card"
  act npm run --silent demo
  exit
}

doctor() {
  act "$PCSC" doctor --category pcscd
  exit 1
}

# pcscd answers: its readers, or the demo when it has none.
show_readers() {
  case "$PCSC_SETUP_READERS" in
    error)
      say "pcscd answers on $SOCKET, but pcsc cannot list its readers: here is why"
      doctor ;;
    0)
      say "pcscd answers on $SOCKET but lists no reader: plug one in (\`$PCSC scan\` shows it coming)"
      demo ;;
    *)
      say "pcscd answers on $SOCKET: $PCSC_SETUP_READERS reader(s)"
      act "$PCSC" scan -r
      exit ;;
  esac
}

# After starting pcscd: it answers (bounded wait), then the readers.
started() {
  if [ "$DRY" = 1 ]; then say "dry run: stops here (next: wait for pcscd to answer, then list its readers)"; exit 0; fi
  local i
  for i in $(seq 50); do answers && break; sleep 0.1; done
  if ! answers; then
    say "pcscd still does not answer on $SOCKET"
    doctor
  fi
  PCSC_SETUP_READERS=$(count_readers)
  show_readers
}

# Decisions ----------------------------------------------------------------------------------------

[ "$PCSC_SETUP_ANSWERS" = 1 ] && show_readers

if [ "$PCSC_SETUP_LISTENING" = 1 ]; then
  say "a process still listens on $SOCKET but cannot be reached (its socket file removed?): not starting another pcscd"
  doctor
fi

if [ "$SOCKET" != "$SYSTEM_SOCKET" ]; then
  say "nothing answers on $SOCKET (PCSCLITE_CSOCK_NAME); the system's pcscd would not help there: not starting it"
  say "(unset PCSCLITE_CSOCK_NAME to use the system's pcscd)"
  demo
fi

[ "$PCSC_SETUP_INSTALLED" = 1 ] || { say "pcscd is not installed: apt-get install pcscd (./scripts/setup.sh does)"; exit 1; }

if [ "$PCSC_SETUP_SYSTEMD" = 1 ]; then
  say "pcscd is not running; systemd runs here: enabling pcscd's socket (systemd starts pcscd when a client connects)"
  if [ "$PCSC_SETUP_ROOT" = 0 ] && [ "$PCSC_SETUP_SUDO" = 0 ]; then
    say "run as root:  su -c 'systemctl enable --now pcscd.socket'"
    demo
  fi
  act_as_root systemctl enable --now pcscd.socket && started
  say "systemctl could not enable pcscd.socket"
  doctor
fi

if [ "$PCSC_SETUP_ROOT" = 1 ]; then
  say "pcscd is not running, and there is no systemd here: starting pcscd itself (it runs in the background until stopped or the machine restarts; after a restart run $PCSCD again)"
  act "$PCSCD" && started
  say "pcscd did not start"
  doctor
fi

say "pcscd is not running, and there is no systemd here to start it. Start it as root (it runs until stopped or the machine restarts):"
if [ "$PCSC_SETUP_SUDO" = 1 ]; then say "    sudo $PCSCD"; else say "    su -c $PCSCD"; fi
say "then: $PCSC scan -r"
demo
