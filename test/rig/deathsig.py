"""Linux's PR_SET_PDEATHSIG for the rig's launchers: the process (and what it execs) gets SIGTERM
when the process that started it dies, so a killed test runner leaves nothing behind."""
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        sys.exit(1)
