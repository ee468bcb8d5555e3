// "Who is holding my card?" on the real pcscd (1.9.9 + vpcd): a libpcsclite holder (C) and a client that speaks the
// socket itself (raw-holder.mjs), each exclusive and in a transaction. `pcsc clients` lists them with pid and
// command; doctor's pcscd.readers and `pcsc apdu` name them; the fix names neither scdaemon nor gpgconf.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/core/doctor/index.js';
import type { ClientsResult } from '../../src/cli/clients/result.js';
import { buildPcscClient } from '../rig/build-c.js';
import { startProcess, type Proc } from '../rig/processes.js';
import { startRig, type Rig } from '../rig/rig.js';
import { join } from 'node:path';
import { pcsc, startCli } from '../helpers/cli.js';

const HOLDER_C = fileURLToPath(new URL('../rig/holder.c', import.meta.url));
const RAW_HOLDER = fileURLToPath(new URL('../rig/raw-holder.mjs', import.meta.url));

type Mode = 'exclusive' | 'transaction';

describe('pcsc clients and busy-reader reports on the real pcscd', () => {
  let rig: Rig;
  let bin: string;
  const held: Proc[] = [];

  beforeAll(async () => {
    bin = buildPcscClient(HOLDER_C);
    rig = await startRig({ insert: [0, 1] });
  });
  afterAll(async () => {
    for (const p of held) await p.stop(1000);
    await rig?.stop();
  });

  /** Starts a holder on `slot` and waits until it holds the card. */
  async function hold(kind: 'c' | 'raw', slot: 0 | 1, mode: Mode): Promise<Proc> {
    const reader = rig.readers[slot] as string;
    const p =
      kind === 'c'
        ? startProcess(bin, [reader, mode], { env: rig.env(), stdin: true })
        : startProcess(process.execPath, [RAW_HOLDER, rig.socket, reader, mode], { env: rig.env(), stdin: true });
    held.push(p);
    await p.waitLine(/^ready$/, 0, 10_000, `${kind} holder (${mode})`);
    return p;
  }
  async function release(p: Proc): Promise<void> {
    p.child.stdin?.end();
    await p.exited;
  }

  it("through pcsc spy: the spy is pcscd's client, and its own clients are listed with via", async () => {
    const listen = join(rig.dir, 'spy-clients.comm');
    const spy = startCli(['spy', '--listen', listen, '--upstream', rig.socket, '-o', '/dev/null'], process.env);
    held.push(spy);
    await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
    const through = startProcess(process.execPath, [RAW_HOLDER, listen, rig.readers[0] as string, 'exclusive'], {
      stdin: true,
    });
    held.push(through);
    await through.waitLine(/^ready$/, 0, 10_000, 'holder through the spy');
    try {
      const r = await pcsc(['clients', '--socket', rig.socket, '--json'], { env: process.env });
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as ClientsResult;
      expect(j.clients.find((x) => x.pid === spy.pid)).toMatchObject({
        command: 'pcsc spy',
        known: { id: 'pcsc-proxy' },
      });
      expect(j.clients.find((x) => x.pid === through.pid)).toMatchObject({ command: 'raw-holder', via: spy.pid });
      // And doctor names the holder behind the spy.
      const d = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
      expect(d.checks.find((x) => x.id === 'pcscd.readers')?.summary).toContain(
        `raw-holder (pid ${through.pid}, through pid ${spy.pid})`,
      );
    } finally {
      await release(through);
      await spy.stop(3000, 'SIGINT');
    }
  });

  for (const mode of ['exclusive', 'transaction'] as const) {
    describe(`both holders ${mode === 'exclusive' ? 'exclusive' : 'in a transaction'}`, () => {
      let c: Proc;
      let raw: Proc;
      beforeAll(async () => {
        c = await hold('c', 0, mode);
        raw = await hold('raw', 1, mode);
      });
      afterAll(async () => {
        await release(c);
        await release(raw);
      });

      it('pcsc clients lists both with pid and command', async () => {
        const r = await pcsc(['clients', '--socket', rig.socket, '--json'], { env: process.env });
        expect(r.code, r.stderr).toBe(0);
        const j = JSON.parse(r.stdout) as ClientsResult;
        expect(j.socket).toBe(rig.socket);
        expect(j.method).toBe('ss');
        const cc = j.clients.find((x) => x.pid === c.pid);
        const rc = j.clients.find((x) => x.pid === raw.pid);
        expect(cc).toMatchObject({ command: bin.split('/').pop(), connections: 1 });
        expect(cc?.argv).toEqual([bin, rig.readers[0], mode]);
        expect(cc?.since).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(rc).toMatchObject({ command: 'raw-holder', connections: 1 });
        expect(j.unattributed).toBe(0);
        const text = await pcsc(['clients', '--socket', rig.socket], { env: { ...process.env, NO_COLOR: '1' } });
        expect(text.stdout).toContain(`${rig.socket}: 2 connections now`);
        expect(text.stdout).toMatch(new RegExp(`^${c.pid} .* ${bin.split('/').pop()}`, 'm'));
        expect(text.stdout).toMatch(new RegExp(`^${raw.pid} .* raw-holder`, 'm'));
        // Without --socket: the socket PCSCLITE_CSOCK_NAME names (the rig's), the same clients.
        const viaEnv = await pcsc(['clients', '--json'], { env: rig.env() });
        expect(viaEnv.code, viaEnv.stderr).toBe(0);
        const e = JSON.parse(viaEnv.stdout) as ClientsResult;
        expect(e.socket).toBe(rig.socket);
        expect(e.clients.map((x) => x.pid)).toEqual(expect.arrayContaining([c.pid, raw.pid]));
      });

      it("doctor's pcscd.readers names them, and its fix is about them", async () => {
        const r = await runDoctor({ ids: ['pcscd.readers'], socket: rig.socket });
        const check = r.checks.find((x) => x.id === 'pcscd.readers');
        expect(check?.status).toBe('fail');
        for (const p of [c, raw]) expect(check?.summary).toContain(`(pid ${p.pid})`);
        expect(check?.summary).toContain('connected to pcscd now:');
        expect(JSON.stringify(check?.fix)).not.toMatch(/scdaemon|gpgconf/);
        expect(check?.fix?.text).toContain(`raw-holder (pid ${raw.pid})`);
      });

      it('pcsc apdu names them when it cannot get the card', async () => {
        const r = await pcsc(['apdu', '--socket', rig.socket, '--reader', '0', '00A4040000'], {
          env: { ...process.env, NO_COLOR: '1' },
          timeoutMs: 90_000,
        });
        // Exclusive: SCARD_E_SHARING_VIOLATION (exit 4). In a transaction pcscd holds the CONNECT until it ends:
        // SCARD_E_TIMEOUT after the connect's own 30 s bound (exit 5), saying why.
        expect(r.code, r.stdout + r.stderr).toBe(mode === 'exclusive' ? 4 : 5);
        if (mode === 'transaction') expect(r.stderr).toContain('another program keeps a transaction open on the card');
        expect(r.stderr).toContain('held by another program — connected to pcscd now:');
        for (const p of [c, raw]) expect(r.stderr).toContain(`(pid ${p.pid})`);
        expect(r.stderr).not.toMatch(/scdaemon|gpgconf/);
        if (mode === 'exclusive') {
          // --json: the error object names them too.
          const j = await pcsc(['apdu', '--socket', rig.socket, '--reader', '0', '00A4040000', '--json'], {
            env: process.env,
          });
          expect(j.code).toBe(4);
          const err = (JSON.parse(j.stdout) as { error: { name: string; heldBy: { pid: number; command: string }[] } })
            .error;
          expect(err.name).toBe('SCARD_E_SHARING_VIOLATION');
          expect(err.heldBy.map((h) => h.pid).sort()).toEqual([c.pid, raw.pid].sort());
        }
      }, 100_000);
    });
  }
});
