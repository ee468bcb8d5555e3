#!/usr/bin/python3
"""A vpcd card for the proxy tests (a stand-in until test/rig/card.py lands on main).

usage: echo-card.py PORT [ATR_HEX]. Connects to vpcd (card inserted) and answers:
INS E2 echoes the data field + 90 00; VERIFY (INS 20) with data 31 32 33 34 gives 90 00, other
data 63 C2, no data 63 C3; anything else 6D 00. TCP_NODELAY and TCP_QUICKACK keep each exchange
free of delayed-ACK waits. Ends when vpcd closes the connection or on SIGTERM.
"""
import signal
import socket
import struct
import sys

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
port = int(sys.argv[1])
atr = bytes.fromhex(sys.argv[2] if len(sys.argv) > 2 else "3B80800101")
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print("connected", flush=True)


def recvn(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b


def answer(apdu):
    ins = apdu[1]
    data = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
    if ins == 0xE2:
        return data + b"\x90\x00"
    if ins == 0x20:
        if not data:
            return b"\x63\xC3"
        return b"\x90\x00" if data == b"1234" else b"\x63\xC2"
    return b"\x6D\x00"


while True:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    (n,) = struct.unpack(">H", recvn(2))
    p = recvn(n)
    if n == 1:
        if p[0] != 4:
            continue
        out = atr
    else:
        out = answer(p)
    s.sendall(struct.pack(">H", len(out)) + out)
