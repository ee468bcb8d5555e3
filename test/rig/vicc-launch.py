#!/usr/bin/python3
"""Runs Debian's vicc (vsmartcard-vpicc) with three run-time fixes, touching no system file.

usage: vicc-launch.py VICC_ARGS...      e.g. vicc-launch.py -t iso7816 -P 35963

Debian 12's packaging needs: (1) the package's directory, /usr/lib/python3/site-packages/virtualsmartcard, on
sys.path; (2) a `Crypto` package, which python3-pycryptodome ships as `Cryptodome` (aliased
here); (3) a working virtualsmartcard.TLVutils.pack: the packaged one ends with a
`b"".join()` over a bytes object, a Python 2 leftover that raises on any SELECT asking for
FCI/FCP. The process dies with its parent (PR_SET_PDEATHSIG), so a killed test leaves no vicc.
"""
import importlib
import os
import runpy
import sys

from deathsig import die_with_parent

VICC = "/usr/bin/vicc"
SITE = "/usr/lib/python3/site-packages/virtualsmartcard"


def alias_crypto() -> None:
    try:
        importlib.import_module("Crypto.Cipher")
        return
    except ImportError:
        pass
    try:
        dome = importlib.import_module("Cryptodome")
    except ImportError:
        sys.exit("vicc-launch: python3-pycryptodome is missing (apt-get install python3-pycryptodome)")
    sys.modules["Crypto"] = dome
    for sub in ("Cipher", "Hash", "Util", "PublicKey", "Random", "Signature", "Protocol"):
        try:
            sys.modules[f"Crypto.{sub}"] = importlib.import_module(f"Cryptodome.{sub}")
        except ImportError:
            pass


def fix_tlv_pack() -> None:
    tlv = importlib.import_module("virtualsmartcard.TLVutils")
    broken = tlv.pack

    def pack(tlv_data, recalculate_length=False):
        # Same encoding as the packaged function; only its final join was wrong for bytes.
        out = b""
        for item in tlv_data:
            tag, length, value = item[:3]
            if tag in (0xFF, 0x00):
                out += bytes([tag])
                continue
            if not isinstance(value, bytes):
                value = pack(value, recalculate_length)
            if recalculate_length:
                length = len(value)
            t = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
            if length < 0x7F:
                ln = bytes([length])
            else:
                body = length.to_bytes((length.bit_length() + 7) // 8, "big")
                ln = bytes([0x80 | len(body)]) + body
            out += t + ln + value
        return out

    pack.__doc__ = broken.__doc__
    tlv.pack = pack


def main() -> None:
    die_with_parent()
    if SITE not in sys.path:
        sys.path.append(SITE)
    alias_crypto()
    fix_tlv_pack()  # before any other virtualsmartcard module does `from TLVutils import pack`
    sys.argv = [VICC, *sys.argv[1:]]
    runpy.run_path(VICC, run_name="__main__")


if __name__ == "__main__":
    main()
