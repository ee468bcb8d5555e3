#!/usr/bin/python3
"""A scriptable card for vpcd (the vsmartcard reader driver), used by pcsc's tests and benchmarks.

usage: card.py --port PORT [--host 127.0.0.1] [--atr HEX] [--insert]

The card is a TCP client of vpcd: connecting to vpcd's port inserts it, closing removes it.
Frames in both directions are a 2-byte big-endian length and a payload. A 1-byte payload from
vpcd is a control (00 power off, 01 power on, 02 reset, 04 get ATR); anything longer is a
C-APDU, answered with an R-APDU (data, SW1, SW2). TCP_NODELAY is set and TCP_QUICKACK re-armed
after every receive: vpcd sends the length and the payload as two segments, and without both
options each APDU waits for a delayed ACK (about 48 ms).

Built-in commands (any CLA; P1P2 is a 16-bit big-endian number N):
  INS E0  return N bytes (00 01 02 ... wrapping at FF) + 90 00
  INS E2  echo: return the command's data field + 90 00
  INS E4  return the length of the whole C-APDU, 4 bytes big-endian, + 90 00
  INS E6  slow: wait N ms, then 90 00
  INS E8  removal during a command: close the connection without answering
  INS EA  61xx chain: answer 61 xx, then GET RESPONSE (INS C0, *the same CLA*, else 6E 00)
          hands out the N bytes (00 01 02 ...) Le at a time, 61 xx between, 90 00 at the end
  INS EC  wrong length: N = P1 (00 means 256); a short Le other than N gets 6C N, the right
          Le gets N bytes + 90 00
  other   6D 00, unless a rule matches
  A malformed command gets 6F 00 (the error goes to stderr); the card never stops answering.
Lc/Le follow ISO 7816-4: short and extended forms (vpcd caps a frame at 65,535 bytes).

Control: one JSON object per line on stdin; one reply per request on stdout,
{"id": <the request's id>, "ok": true, ...} or {"id": ..., "ok": false, "error": "..."}, after
a first line {"event": "ready"}. Nothing else is written unasked: a parent that stops reading
for a while (a synchronous benchmark) must not block the card. End of stdin ends the process.
  {"op": "insert"}              connect to vpcd (the reply comes once TCP is connected)
  {"op": "remove"}              close the connection (also interrupts a slow answer)
  {"op": "atr", "atr": HEX}     the ATR given from the next power-on or ATR request
  {"op": "rule", "match": HEX, ...action}   checked newest first before built-ins; `match`
          is a prefix of the C-APDU. Actions: "reply": HEX | "chain": HEX data (61xx) |
          "wrongLe": HEX data (6Cxx); optional "sw": HEX end status (default 9000),
          "delay": ms, "remove": true (close instead of answering), "once": true
  {"op": "clearRules"}
  {"op": "log"}                 -> "log": [{"c": HEX, "r": HEX|null} | {"ctrl": "on"|"off"|"reset"}]
  {"op": "clearLog"}
  {"op": "status"}              -> "inserted", "powered", "atrRequests"
  {"op": "quit"}
"""
import argparse
import json
import socket
import struct
import sys
import threading

# T=0 and T=1 offered (TD1 = 80: T=0, TD2 = 01: T=1), no historical bytes, TCK 01.
DEFAULT_ATR = "3B80800101"
MAX_FRAME = 0xFFFF
OK = b"\x90\x00"


def hx(b):
    return b.hex().upper()


def unhex(s):
    return bytes.fromhex(s.replace(" ", "").replace(":", ""))


def pattern(n):
    return bytes(i & 0xFF for i in range(n))


def parse_apdu(a):
    """ISO 7816-4 §5.1: returns (data, le) with le None when absent; 0 means the maximum."""
    body = a[4:]
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0] or 256
    if body[0] != 0:  # short Lc
        lc = body[0]
        data = body[1 : 1 + lc]
        rest = body[1 + lc :]
        return data, (rest[0] or 256) if rest else None
    if len(body) < 3:
        raise ValueError("malformed APDU")
    if len(body) == 3:  # extended, Le only
        return b"", struct.unpack(">H", body[1:3])[0] or 65536
    lc = struct.unpack(">H", body[1:3])[0]
    data = body[3 : 3 + lc]
    rest = body[3 + lc :]
    return data, (struct.unpack(">H", rest[:2])[0] or 65536) if len(rest) >= 2 else None


class Card:
    def __init__(self, host, port, atr):
        self.host = host
        self.port = port
        self.atr = atr
        self.sock = None
        self.powered = False
        self.atr_requests = 0
        self.rules = []
        self.log = []
        self.chain = None  # (cla, remaining bytes, final sw) of a pending 61xx answer
        self.lock = threading.Lock()
        self.out_lock = threading.Lock()
        self.cancel = threading.Event()

    def emit(self, obj):
        with self.out_lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

    # --- connection -------------------------------------------------------------------------

    def insert(self):
        if self.sock is not None:
            return
        s = socket.create_connection((self.host, self.port), timeout=5)
        s.settimeout(None)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        self.cancel.clear()
        self.sock = s
        threading.Thread(target=self.serve, args=(s,), daemon=True).start()

    def remove(self):
        s = self.sock
        if s is None:
            return
        self.sock = None
        self.powered = False
        self.chain = None
        self.cancel.set()
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def recv_exact(self, s, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("vpcd closed the connection")
            # Linux clears QUICKACK after a while; re-arm it so vpcd never waits for our ACK.
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            buf += chunk
        return bytes(buf)

    def serve(self, s):
        try:
            while True:
                (n,) = struct.unpack(">H", self.recv_exact(s, 2))
                msg = self.recv_exact(s, n)
                if len(msg) == 1:
                    reply = self.control(msg[0])
                else:
                    reply = self.apdu(msg, s)
                if reply is None:
                    if self.sock is s:
                        self.remove()
                    return
                if reply is not False:
                    s.sendall(struct.pack(">H", len(reply)) + reply)
        except (OSError, ConnectionError):
            if self.sock is s:
                self.sock = None
                self.powered = False

    def control(self, code):
        """Returns the reply, False for none."""
        if code == 4:
            self.atr_requests += 1
            return self.atr
        name = {0: "off", 1: "on", 2: "reset"}.get(code)
        if name is None:
            return False
        with self.lock:
            self.powered = code != 0
            self.chain = None
            self.log.append({"ctrl": name})
        return False

    # --- APDUs ------------------------------------------------------------------------------

    def apdu(self, a, s):
        """Returns the R-APDU, or None to close the connection (card removed)."""
        with self.lock:
            entry = {"c": hx(a), "r": None}
            self.log.append(entry)
            rule = self.match(a)
        delay, remove = (rule.get("delay", 0), rule.get("remove", False)) if rule else (0, False)
        if not rule and len(a) >= 4 and a[1] == 0xE6:
            delay = (a[2] << 8) | a[3]
        if not rule and len(a) >= 2 and a[1] == 0xE8:
            remove = True
        if delay and self.cancel.wait(delay / 1000):
            return None
        if remove:
            return None
        with self.lock:
            try:
                r = self.answer(a, rule)
            except Exception as e:  # noqa: BLE001 - a card answers; a dead thread would hang pcscd
                sys.stderr.write(f"card.py: {hx(a)}: {type(e).__name__}: {e}\n")
                r = b"\x6F\x00"
            entry["r"] = hx(r)
        return r

    def match(self, a):
        h = hx(a)
        for rule in reversed(self.rules):
            if h.startswith(rule["match"]):
                if rule.get("once"):
                    self.rules.remove(rule)
                return rule
        return None

    def answer(self, a, rule):
        if len(a) < 4:
            return b"\x67\x00"
        cla, ins = a[0], a[1]
        n = (a[2] << 8) | a[3]
        data, le = parse_apdu(a)
        if ins == 0xC0 and self.chain and not rule:
            return self.get_response(cla, le)
        self.chain = None
        if rule:
            sw = unhex(rule.get("sw", "9000"))
            if "chain" in rule:
                return self.start_chain(cla, unhex(rule["chain"]), sw)
            if "wrongLe" in rule:
                body = unhex(rule["wrongLe"])
                return bytes([0x6C, len(body) & 0xFF]) if le != len(body) else body + sw
            return unhex(rule.get("reply", "9000"))
        if ins == 0xE0:
            return pattern(min(n, MAX_FRAME - 2)) + OK
        if ins == 0xE2:
            return data + OK
        if ins == 0xE4:
            return struct.pack(">I", len(a)) + OK
        if ins == 0xE6:
            return OK
        if ins == 0xEA:
            return self.start_chain(cla, pattern(n), OK)
        if ins == 0xEC:
            want = a[2] or 256
            return bytes([0x6C, want & 0xFF]) if le != want else pattern(want) + OK
        if ins == 0xC0:
            return b"\x69\x85"
        return b"\x6D\x00"

    def start_chain(self, cla, body, sw):
        if not body:
            return sw
        self.chain = (cla, body, sw)
        return bytes([0x61, min(len(body), 256) & 0xFF])

    def get_response(self, cla, le):
        want_cla, rest, sw = self.chain
        if cla != want_cla:
            return b"\x6E\x00"
        n = min(le or 256, len(rest))
        out, rest = rest[:n], rest[n:]
        if rest:
            self.chain = (want_cla, rest, sw)
            return out + bytes([0x61, min(len(rest), 256) & 0xFF])
        self.chain = None
        return out + sw

    # --- control channel --------------------------------------------------------------------

    def handle(self, req):
        op = req.get("op")
        if op == "insert":
            self.insert()
        elif op == "remove":
            self.remove()
        elif op == "atr":
            self.atr = unhex(req["atr"])
        elif op == "rule":
            rule = dict(req)
            rule.pop("op", None)
            rule.pop("id", None)
            rule["match"] = hx(unhex(rule["match"]))
            with self.lock:
                self.rules.append(rule)
        elif op == "clearRules":
            with self.lock:
                self.rules = []
        elif op == "log":
            with self.lock:
                return {"log": list(self.log)}
        elif op == "clearLog":
            with self.lock:
                self.log = []
        elif op == "status":
            return {"inserted": self.sock is not None, "powered": self.powered, "atrRequests": self.atr_requests}
        elif op == "quit":
            raise SystemExit(0)
        else:
            raise ValueError(f"unknown op {op!r}")
        return {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--atr", default=DEFAULT_ATR)
    ap.add_argument("--insert", action="store_true")
    args = ap.parse_args()
    card = Card(args.host, args.port, unhex(args.atr))
    if args.insert:
        card.insert()
    card.emit({"event": "ready"})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            req = {}
            try:
                req = json.loads(line)
                card.emit({"id": req.get("id"), "ok": True, **card.handle(req)})
            except SystemExit:
                card.emit({"id": req.get("id"), "ok": True})
                break
            except Exception as e:  # noqa: BLE001 - every failure goes back to the test
                card.emit({"id": req.get("id"), "ok": False, "error": f"{type(e).__name__}: {e}"})
    finally:
        card.remove()


if __name__ == "__main__":
    main()
