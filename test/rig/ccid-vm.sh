#!/bin/sh
# ccid-vm.sh: runs one command inside a throw-away QEMU guest that has QEMU's USB CCID reader.
#
# Interface (other tests rely on it: keep it stable)
#   test/rig/ccid-vm.sh COMMAND [ARG...]
#     COMMAND runs as root in the guest, in the current directory, with a clean environment
#     (PATH, HOME=/root, CI, CCID_VM=1, plus every variable named in CCID_VM_PASS). The host's
#     root file system is the guest's root, read-only underneath and writable through a tmpfs
#     overlay whose changes are thrown away: /usr/bin/node, the repository and its node_modules
#     are at the same paths. Output (stdout and stderr merged, not a TTY) streams to our stdout.
#   Exit status: COMMAND's own; 124 when the VM ran out of time; 125 when the VM or its set-up
#   failed (missing package, kernel download, QEMU error, nothing listening on a passthru socket,
#   another VM holding the lock too long); 130 when stopped by SIGTERM or Ctrl-C (the VM is stopped).
#
#   Environment:
#     CCID_VM_CARD     emulated (default): QEMU's ccid-card-emulated (libcacard CAC, T=0 ATR
#                      3B 7A 18 00 00 73 66 74 65 20 63 64 31 34 34), backed by 3 NSS certificates
#                      passthru:SOCKET: ccid-card-passthru; QEMU connects to SOCKET, where a VSCard
#                      card simulator must already listen (test/rig/vscard-card.ts)
#                      none: an empty reader
#     CCID_VM_DIR      cache of the unpacked Debian kernel, the initramfs and the NSS database
#                      (default /var/tmp/pcsc-ccid-vm, about 12 MB; shared by every checkout)
#     CCID_VM_TIMEOUT  seconds before the VM is killed (default 300)
#     CCID_VM_RW       a host directory shared read-write at the same path (default: none)
#     CCID_VM_PASS     space-separated names of host variables to pass into the guest
#     CCID_VM_EXTRA    extra QEMU arguments, word-split (e.g. a second -device usb-ccid, or
#                      -monitor unix:PATH,server,nowait to unplug the reader with `device_del ccid`)
#     CCID_VM_LOCK_WAIT seconds to wait for another VM to finish (default 900)
#
#   The reader in the guest: VID:PID 08e6:4433, "QEMU USB CCID", interface 0 "CCID Interface",
#   one slot, T=0 only, TPDU level; /dev/bus/usb/001/002 is root:root 0600 (devtmpfs; no udev runs).
#   Guest tools: everything installed on the host (the root is shared), busybox for the rest.
#
# Only one VM at a time runs on the whole machine (TCG uses both cores): the script holds
# /tmp/ccid-vm.lock with flock(1) from the first set-up step to power-off and waits for it.
# First use downloads the kernel package with `apt-get download` (about 70 MB, once, 10-20 s);
# needs root for apt-get and Debian 12 packages only: qemu-system-x86 busybox-static cpio
# libnss3-tools xz-utils (installed by .ci/run and scripts/setup.sh; we fail, not install).
set -eu

[ $# -gt 0 ] || { echo "usage: ccid-vm.sh COMMAND [ARG...]" >&2; exit 125; }
# The lock is held on fd 9 by this shell (and QEMU, which inherits it), so signals reach us.
command -v flock >/dev/null || { echo "ccid-vm: flock(1) missing: apt-get install util-linux" >&2; exit 125; }
exec 9>>/tmp/ccid-vm.lock
flock -w "${CCID_VM_LOCK_WAIT:-900}" 9 || { echo "ccid-vm: another VM held /tmp/ccid-vm.lock for ${CCID_VM_LOCK_WAIT:-900} s" >&2; exit 125; }

D=${CCID_VM_DIR:-/var/tmp/pcsc-ccid-vm}
CARD=${CCID_VM_CARD:-emulated}
case "$D" in *' '*) echo "ccid-vm: CCID_VM_DIR must not contain spaces" >&2; exit 125 ;; esac
mkdir -p "$D"

missing=""
command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
# the initramfs userland must be the static build (ldd fails on a static binary)
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing="$missing busybox-static"
command -v cpio >/dev/null || missing="$missing cpio"
command -v xz >/dev/null || missing="$missing xz-utils"
[ "$CARD" != emulated ] || command -v certutil >/dev/null || missing="$missing libnss3-tools"
if [ -n "$missing" ]; then
  echo "ccid-vm: missing Debian packages:$missing (apt-get install --no-install-recommends$missing)" >&2
  exit 125
fi

# The kernel and initramfs: Debian's kernel package unpacked (never installed) and an initramfs
# of static busybox plus the modules a 9p root, overlayfs and xHCI need, in load order.
MODULES="fs/netfs/netfs fs/fscache/fscache net/9p/9pnet fs/9p/9p drivers/virtio/virtio_ring
  drivers/virtio/virtio net/9p/9pnet_virtio drivers/virtio/virtio_pci_modern_dev
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/usb/common/usb-common
  drivers/usb/core/usbcore drivers/usb/host/xhci-hcd drivers/usb/host/xhci-pci fs/overlayfs/overlay"
# Bump REV whenever the initramfs (its /init or module list) changes: caches rebuild themselves.
REV=2
INITRD=$D/initramfs-$REV.cpio.gz
if [ ! -f "$INITRD" ] || [ ! -f "$D/vmlinuz" ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$pkg" ]; then timeout 300 apt-get update -qq >&2 || true
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); fi
  [ -n "$pkg" ] || { echo "ccid-vm: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 125; }
  echo "ccid-vm: preparing $pkg in $D (once)" >&2
  B=$(mktemp -d "$D/build.XXXXXX")
  trap 'rm -rf "$B"' EXIT
  # A network step: bounded, and its failure says why in one line.
  (cd "$B" && timeout 300 apt-get download -qq "$pkg" > "$B/download.log" 2>&1) ||
    { echo "ccid-vm: could not download $pkg from Debian's mirror in 300 s: $(grep -m1 -E '^(E|Err|W):' "$B/download.log" || tail -n1 "$B/download.log")" >&2; exit 125; }
  dpkg-deb -x "$B"/"$pkg"_*.deb "$B/root"
  kver=${pkg#linux-image-}
  mods=$B/root/lib/modules/$kver/kernel
  I=$B/initramfs
  mkdir -p "$I/bin" "$I/mods" "$I/proc" "$I/sys" "$I/dev" "$I/lower" "$I/upper" "$I/newroot"
  cp /bin/busybox "$I/bin/busybox"
  for m in $MODULES; do
    n=${m##*/}
    if [ -f "$mods/$m.ko" ]; then cp "$mods/$m.ko" "$I/mods/$n.ko"
    elif [ -f "$mods/$m.ko.xz" ]; then xz -dc "$mods/$m.ko.xz" > "$I/mods/$n.ko"
    else echo "ccid-vm: module $m not in $pkg" >&2; exit 125; fi
    echo "$n.ko" >> "$I/mods/order"
  done
  cat > "$I/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m" || echo "ccid-vm: insmod $m failed"; done
param() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
OUT=$(param guestout); RW=$(param guestrw)
die() { echo "ccid-vm: $*"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || die "9p root"
mount -t tmpfs -o size=2g tmpfs /upper && mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || die overlay
R=/newroot
mount -t proc proc $R/proc; mount -t sysfs sys $R/sys; mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm; mount -t devpts devpts $R/dev/pts; mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs tmpfs $R/run
mkdir -p "$R$OUT"; mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "$R$OUT" || die "out share"
if [ -n "$RW" ]; then mkdir -p "$R$RW"; mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 rw "$R$RW" || die "rw share"; fi
chroot $R /bin/sh "$OUT/cmd.sh"
echo $? > "$R$OUT/rc"
sync; poweroff -f
INIT
  chmod +x "$I/init"
  (cd "$I" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$B/initramfs.cpio.gz"
  rm -f "$D"/initramfs*.cpio.gz
  mv "$B/root/boot/vmlinuz-$kver" "$D/vmlinuz.new" && mv "$B/initramfs.cpio.gz" "$INITRD" && mv "$D/vmlinuz.new" "$D/vmlinuz"
  rm -rf "$B"; trap - EXIT
fi

case "$CARD" in
  emulated)
    if [ ! -f "$D/nssdb/.done" ]; then
      rm -rf "$D/nssdb"; mkdir -p "$D/nssdb"
      certutil -N -d "sql:$D/nssdb" --empty-password
      head -c 2048 /dev/urandom > "$D/nssdb/noise"
      for i in 1 2 3; do
        certutil -S -d "sql:$D/nssdb" -x -t CT,CT,CT -s "CN=pcsc ccid-vm cert$i" -n "cert$i" \
          -k rsa -g 2048 -v 120 -Z SHA256 -z "$D/nssdb/noise" >/dev/null 2>&1
      done
      touch "$D/nssdb/.done"
    fi
    CARDARGS="-device ccid-card-emulated,backend=certificates,db=sql:$D/nssdb,cert1=cert1,cert2=cert2,cert3=cert3" ;;
  none) CARDARGS="" ;;
  passthru:*)
    SOCK=${CARD#passthru:}
    [ -S "$SOCK" ] || { echo "ccid-vm: nothing listens on $SOCK (start the card simulator first)" >&2; exit 125; }
    CARDARGS="-chardev socket,id=vsc0,path=$SOCK -device ccid-card-passthru,chardev=vsc0" ;;
  *) echo "ccid-vm: CCID_VM_CARD must be emulated, none or passthru:SOCKET (not $CARD)" >&2; exit 125 ;;
esac

# The guest command: quoted word by word, never evaluated on the host.
OUT=$(mktemp -d "$D/run.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=$(q "${CI:-}") CCID_VM=1"
  for v in ${CCID_VM_PASS:-}; do
    eval "val=\${$v:-}"
    # shellcheck disable=SC2154
    echo "export $v=$(q "$val")"
  done
  echo "cd $(q "$(pwd)") || exit 126"
  printf '{'; for a in "$@"; do printf ' %s' "$(q "$a")"; done
  printf '; echo $? > %s/cmdrc; } 2>&1 < /dev/null | cat\n' "$OUT"
  printf 'exit "$(cat %s/cmdrc 2>/dev/null || echo 125)"\n' "$OUT"
} > "$OUT/cmd.sh"

RWARGS=""; RWAPP=""
if [ -n "${CCID_VM_RW:-}" ]; then
  RWARGS="-virtfs local,path=$CCID_VM_RW,mount_tag=rw,security_model=none"; RWAPP="guestrw=$CCID_VM_RW"
fi
set +e
# timeout(1) runs in a process group of its own: stopping us (SIGTERM, Ctrl-C) must stop it too.
# no_timer_check: the kernel's boot-time check that the timer interrupt fires within a few ticks
# fails when TCG's vCPUs are starved by a loaded host, and it then panics ("IO-APIC + timer doesn't
# work!", seen with two busy loops beside the test); QEMU's timer works, so the check is skipped.
# shellcheck disable=SC2086
timeout -k 5 "${CCID_VM_TIMEOUT:-300}" qemu-system-x86_64 -M q35 -accel tcg,thread=multi -smp 2 -m 1024 \
  -nodefaults -no-user-config -display none -serial stdio -no-reboot \
  -kernel "$D/vmlinuz" -initrd "$INITRD" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check guestout=$OUT $RWAPP" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$OUT,mount_tag=out,security_model=none" $RWARGS \
  -device qemu-xhci,id=xhci -device usb-ccid,bus=xhci.0,id=ccid $CARDARGS ${CCID_VM_EXTRA:-} </dev/null &
vm=$!
trap 'kill -TERM "$vm" 2>/dev/null; wait "$vm"; rm -rf "$OUT"; exit 130' INT TERM
wait "$vm"
qrc=$?
set -e
if [ -f "$OUT/rc" ]; then rc=$(cat "$OUT/rc")
elif [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then echo "ccid-vm: timed out after ${CCID_VM_TIMEOUT:-300} s" >&2; rc=124
else echo "ccid-vm: the VM failed (qemu exit $qrc)" >&2; rc=125; fi
exit "$rc"
