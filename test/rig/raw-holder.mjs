// A client that speaks pcscd's socket itself (no libpcsclite), as Go, Rust or Node clients do: it takes a reader
// exclusively or holds a transaction on it, prints "ready", and keeps the hold until its stdin closes.
// Written from docs/protocol.md's structs: header {u32 size, u32 command}, then the struct.
//
// usage: node raw-holder.mjs SOCKET READER exclusive|transaction

import { createConnection } from 'node:net';

const [socketPath, reader, mode] = process.argv.slice(2);
const CMD = { ESTABLISH_CONTEXT: 0x01, CONNECT: 0x04, BEGIN_TRANSACTION: 0x07, VERSION: 0x11 };

const u32s = (...v) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32LE(x >>> 0, 4 * i));
  return b;
};
const request = (cmd, body) => Buffer.concat([u32s(body.length, cmd), body]);

const sock = createConnection({ path: socketPath });
let buf = Buffer.alloc(0);
let want = null;
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  pump();
});
function pump() {
  if (want && buf.length >= want.n) {
    const got = buf.subarray(0, want.n);
    buf = buf.subarray(want.n);
    const w = want;
    want = null;
    w.resolve(got);
  }
}
const call = (cmd, body) =>
  new Promise((resolve) => {
    want = { n: body.length, resolve };
    sock.write(request(cmd, body));
    pump();
  });

sock.once('connect', async () => {
  const v = await call(CMD.VERSION, u32s(4, 4, 0));
  if (v.readUInt32LE(8) !== 0) fail('VERSION', v.readUInt32LE(8));
  const e = await call(CMD.ESTABLISH_CONTEXT, u32s(0, 0, 0));
  if (e.readUInt32LE(8) !== 0) fail('ESTABLISH_CONTEXT', e.readUInt32LE(8));
  const hContext = e.readUInt32LE(4);
  // connect_struct: hContext, szReader[128], dwShareMode, dwPreferredProtocols, hCard, dwActiveProtocol, rv
  const name = Buffer.alloc(128);
  name.write(reader, 'utf8');
  const share = mode === 'exclusive' ? 1 : 2;
  const c = await call(CMD.CONNECT, Buffer.concat([u32s(hContext), name, u32s(share, 3, 0, 0, 0)]));
  const rv = c.readUInt32LE(4 + 128 + 16);
  if (rv !== 0) fail('CONNECT', rv);
  const hCard = c.readUInt32LE(4 + 128 + 8);
  if (mode === 'transaction') {
    const b = await call(CMD.BEGIN_TRANSACTION, u32s(hCard, 0));
    if (b.readUInt32LE(4) !== 0) fail('BEGIN_TRANSACTION', b.readUInt32LE(4));
  }
  process.stdout.write('ready\n');
});
sock.on('error', (err) => {
  process.stderr.write(`raw-holder: ${err.message}\n`);
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

function fail(what, rv) {
  process.stderr.write(`raw-holder: ${what} failed: 0x${rv.toString(16)}\n`);
  process.exit(1);
}
