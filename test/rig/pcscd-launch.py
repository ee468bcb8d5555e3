#!/usr/bin/python3
"""Starts pcscd on a private socket by systemd-style socket activation (test rig).

pcscd never reads PCSCLITE_CSOCK_NAME; it does take a listening socket as fd 3 when
LISTEN_FDS=1 and LISTEN_PID is its own pid. This binds the socket, puts it on fd 3 and
execs pcscd, so pcscd keeps this process's pid and no other process accepts on the socket.
pcscd gets SIGTERM when the process that started it dies (PR_SET_PDEATHSIG survives exec), so a
test runner that is killed leaves no daemon behind.

pcscd also writes its pid to /run/pcscd/pcscd.pid at start and deletes that file at exit, socket
activation or not: parallel rigs would clobber each other's file, and on a machine with a system
pcscd a test run would replace and then delete the system daemon's. Run as another user, pcscd does
not start at all where /run/pcscd is missing ("cannot create /run/pcscd: Permission denied"), as
on a machine where no pcscd has run yet (npm run demo for a new user). So the daemon gets a mount
namespace of its own with an empty tmpfs over /run/pcscd (or /run, where /run/pcscd does not
exist), so nothing it writes there is seen outside; a user other than root gets a user namespace
too, mapping itself to root in there (pcscd keeps that user's rights outside). Where the kernel or
a container refuses namespaces (Docker's defaults: no CAP_SYS_ADMIN), the launcher says so on
stderr (pcscd's log) and pcscd uses the machine's /run/pcscd, as it did before.

In that namespace the USB driver bundles (libccid…) are hidden too, unless --keep-usb: the rig's
readers are vpcd's, and a private pcscd on a developer's machine must not grab the real USB reader
the system's pcscd (or the user) is using. The QEMU guest's pcscd keeps them: it drives the VM's
CCID reader.

usage: pcscd-launch.py [--keep-usb] SOCKET_PATH PCSCD_ARGS...
"""
import ctypes
import os
import socket
import sys

from deathsig import die_with_parent


CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 0x4000
MS_PRIVATE = 0x40000


# Where distributions put pcscd's USB drivers (its compiled-in drop directory).
DRIVER_DIRS = ("/usr/lib/pcsc/drivers", "/usr/lib64/pcsc/drivers", "/usr/local/lib/pcsc/drivers")


def private_run_dir(keep_usb: bool) -> None:
    """Gives this process (and the pcscd it execs) its own empty /run/pcscd, where it may."""
    libc = ctypes.CDLL(None, use_errno=True)

    def check(rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"pcscd-launch: {what}: {os.strerror(err)}")

    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNS if uid == 0 else CLONE_NEWNS | CLONE_NEWUSER
    try:
        check(libc.unshare(flags), "unshare")
    except OSError as e:  # refused here: nothing changed, pcscd shares the machine's /run/pcscd
        print(f"{e.strerror}: pcscd uses the machine's /run/pcscd", file=sys.stderr, flush=True)
        return
    if uid != 0:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    # Mounts made from here on must not propagate back to the machine's namespace.
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    target = b"/run/pcscd" if os.path.isdir("/run/pcscd") else b"/run"
    check(libc.mount(b"tmpfs", target, b"tmpfs", 0, b"mode=0755"), f"mount tmpfs on {target.decode()}")
    if keep_usb:
        return
    for d in DRIVER_DIRS:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".bundle"):
                bundle = os.path.join(d, name).encode()
                check(libc.mount(b"tmpfs", bundle, b"tmpfs", 0, b"mode=0555"), f"hide {bundle.decode()}")


def main() -> None:
    die_with_parent()
    argv = sys.argv[1:]
    keep_usb = bool(argv) and argv[0] == "--keep-usb"
    if keep_usb:
        argv = argv[1:]
    private_run_dir(keep_usb)
    die_with_parent()  # again: a new user namespace may have cleared it along with the credentials
    path = argv[0]
    args = argv[1:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(64)
    fd = s.fileno()
    if fd != 3:
        os.dup2(fd, 3)
        os.close(fd)
    os.set_inheritable(3, True)
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
    env.pop("LISTEN_FDNAMES", None)
    pcscd = env.get("PCSCD_BIN", "/usr/sbin/pcscd")
    os.execve(pcscd, [pcscd, *args], env)


if __name__ == "__main__":
    main()
