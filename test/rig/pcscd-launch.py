#!/usr/bin/python3
"""Starts pcscd on a private socket by systemd-style socket activation (test rig).

pcscd never reads PCSCLITE_CSOCK_NAME; it does take a listening socket as fd 3 when
LISTEN_FDS=1 and LISTEN_PID is its own pid. This binds the socket, puts it on fd 3 and
execs pcscd, so pcscd keeps this process's pid and no other process accepts on the socket.
pcscd gets SIGTERM when the process that started it dies (PR_SET_PDEATHSIG survives exec), so a
test runner that is killed leaves no daemon behind.

usage: pcscd-launch.py SOCKET_PATH PCSCD_ARGS...
"""
import os
import socket
import sys

from deathsig import die_with_parent


def main() -> None:
    die_with_parent()
    path = sys.argv[1]
    args = sys.argv[2:]
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
