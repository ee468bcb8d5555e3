#!/usr/bin/env node
// The least a Node client can do per APDU, for bench/transmit.ts: pcscd's TRANSMIT exchange
// written by hand on a Unix socket (one reused request, reads into one buffer, one promise per
// APDU), without the core. The gap between this and libpcsclite is Node's, not the core's.
// usage: transmit-node-floor.mjs READER COUNT APDU_HEX   (PCSCLITE_CSOCK_NAME: the socket; the
// APDU must get a 10-byte answer, as the benchmark's does)
import { createConnection } from 'node:net';

const [reader, count, hex] = process.argv.slice(2);
const n = Number(count);
let want = 0;
let got = 0;
let chunks = [];
let wake = () => {};
const sock = createConnection({
  path: process.env.PCSCLITE_CSOCK_NAME,
  onread: {
    buffer: Buffer.alloc(65536),
    callback: (len, buf) => {
      chunks.push(Buffer.from(buf.subarray(0, len)));
      got += len;
      if (got >= want) wake();
      return true;
    },
  },
});
await new Promise((r) => sock.once('connect', r));
/** Sends a request {u32 size, u32 cmd, body} and resolves with the first `reply` bytes back. */
function call(cmd, body, extra, reply) {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(cmd, 4);
  return exchange(Buffer.concat([head, body, extra]), reply);
}
function exchange(req, reply) {
  want = reply;
  return new Promise((resolve) => {
    wake = () => {
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      chunks = [];
      got -= reply;
      resolve(all);
    };
    sock.write(req);
  });
}
const u32 = (...xs) => Buffer.from(new Uint32Array(xs).buffer);
await call(0x11, u32(4, 4, 0), Buffer.alloc(0), 12); // CMD_VERSION 4:4
const hContext = (await call(0x01, u32(2, 0, 0), Buffer.alloc(0), 12)).readUInt32LE(4);
const connect = Buffer.alloc(152);
connect.writeUInt32LE(hContext, 0);
connect.write(reader, 4);
connect.writeUInt32LE(2, 132); // shared
connect.writeUInt32LE(3, 136); // T=0 | T=1
const c = await call(0x04, connect, Buffer.alloc(0), 152);
const [hCard, proto] = [c.readUInt32LE(140), c.readUInt32LE(144)];
const apdu = Buffer.from(hex, 'hex');
const req = Buffer.concat([u32(32, 0x09), u32(hCard, proto, 16, apdu.length, 3, 16, 65548, 0), apdu]);
let last;
const one = async () => {
  const r = await exchange(req, 32 + 10);
  last = r.subarray(32, 42);
};
for (let i = 0; i < 2000; i++) await one(); // warm-up, as the other two clients
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await one();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
sock.destroy();
process.stdout.write(
  JSON.stringify({
    count: n,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    response: last.toString('hex').toUpperCase(),
  }) + '\n',
);
