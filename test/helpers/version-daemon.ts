// A stand-in for the pcscd releases Debian does not ship, written from the wire spec (§9.2 and
// Appendix D), for what doctor asks of a daemon: CMD_VERSION, ESTABLISH_CONTEXT, RELEASE_CONTEXT.
// Replies are built here with Buffer writes, independent of the production codecs.

import { createServer, type Server, type Socket } from 'node:net';

export type Release = '1.8.23' | '1.9.9' | '2.4.0' | '2.4.1' | '2.5.1';

const OWN: Record<Release, number> = { '1.8.23': 3, '1.9.9': 4, '2.4.0': 5, '2.4.1': 5, '2.5.1': 6 };

/** rv of each release's CMD_VERSION handler for a client version (§9.2 table, Appendix D). */
export function versionRv(release: Release, major: number, minor: number): number {
  const own = OWN[release];
  switch (release) {
    case '1.8.23': return major === 4 && minor === own ? 0 : 0x8010001d;
    case '2.4.1': return minor >= 4 ? 0 : 0x8010001e; // the major is not checked
    case '2.5.1': return major === 4 && minor >= 4 && minor <= 6 ? 0 : 0x8010001e;
    default: return major === 4 && minor === own ? 0 : 0x8010001e;
  }
}

const u32s = (...v: number[]): Buffer => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4));
  return b;
};

export interface VersionDaemon {
  path: string;
  /** CMD_VERSION minors received, in order. */
  seen: number[];
  close(): Promise<void>;
}

/** Listens on `path`; `closeOn` makes it drop the connection when that command arrives (a fault). */
export async function startVersionDaemon(path: string, release: Release, opts: { closeOn?: number } = {}): Promise<VersionDaemon> {
  const seen: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const size = buf.readUInt32LE(0);
        const cmd = buf.readUInt32LE(4);
        if (buf.length < 8 + size) return;
        const body = buf.subarray(8, 8 + size);
        buf = buf.subarray(8 + size);
        if (cmd === opts.closeOn) {
          sock.destroy();
          return;
        }
        if (cmd === 0x11) {
          const major = body.readInt32LE(0);
          const minor = body.readInt32LE(4);
          seen.push(minor);
          sock.write(u32s(4, OWN[release], versionRv(release, major, minor)));
        } else if (cmd === 0x01) sock.write(u32s(body.readUInt32LE(0), 0x1234, 0));
        else if (cmd === 0x02) sock.write(u32s(body.readUInt32LE(0), 0));
        else sock.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    path,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
