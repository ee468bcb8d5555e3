// `pcsc spy` and `pcsc proxy` as users run them: scriptor through the spy to Debian's pcscd, the
// log (JSON lines to a file, text to stdout) checked against the exchanges, Ctrl-C stopping
// cleanly and removing the socket, and bad flags refused with one line and exit code 2.

import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcsc as runCli, requireBuild, startCli } from '../../helpers/cli.js';
import { requireFiles, startProcess, type Proc } from '../../rig/processes.js';
import { startRig, type Rig } from '../../rig/rig.js';
import { pinCard } from './pin-card.js';
import type { SpySummary } from '../../../src/core/proxy/index.js';

const R0 = 'Virtual PCD 00 00';
const SCRIPT = '00 E2 00 00 02 CA FE\n00 20 00 81 04 31 32 33 34\n00 20 00 81 04 30 30 30 30\n';

let rig: Rig;

beforeAll(async () => {
  requireBuild();
  requireFiles({ '/usr/bin/scriptor': 'pcsc-tools' });
  rig = await startRig({ insert: [0] });
  await pinCard(rig.card(0));
}, 60_000);

afterAll(async () => {
  await rig?.stop();
});

function pcsc(args: string[], cwd?: string): Proc {
  return startCli(args, { ...process.env, NO_COLOR: '1' }, cwd);
}

let lastScriptorPid = 0;

async function scriptorVia(socket: string): Promise<string[]> {
  const p = startProcess('scriptor', ['-r', R0], {
    env: { ...process.env, PCSCLITE_CSOCK_NAME: socket },
    stdin: SCRIPT,
  });
  lastScriptorPid = p.pid;
  expect(await p.exited).toBe(0);
  return p.lines;
}

describe('pcsc spy', () => {
  it('logs scriptor’s calls as JSON lines to a file, PINs masked; Ctrl-C stops it and removes the socket', async () => {
    const listen = join(rig.dir, 'spy.comm');
    const output = join(rig.dir, 'trace.jsonl');
    const spy = pcsc(['spy', '--json', '--listen', listen, '--upstream', rig.socket, '--output', output]);
    try {
      await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
      expect(statSync(listen).mode & 0o777).toBe(0o600);
      const out = await scriptorVia(listen);
      expect(out).toContain('< CA FE 90 00 : Normal processing.');
    } finally {
      await spy.stop(3000, 'SIGINT');
    }
    expect(await spy.exited).toBe(0);
    expect(spy.lines).toContain('pcsc: stopped after 1 client connection');
    expect(existsSync(listen)).toBe(false);
    expect(statSync(output).mode & 0o777).toBe(0o600);
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The last line is the per-call summary; the others are calls, each labelled with scriptor's process.
    const records = lines.slice(0, -1);
    const summary = lines.at(-1)?.summary as SpySummary;
    expect(records.every((r) => r.pid === lastScriptorPid && r.process === 'scriptor')).toBe(true);
    expect(summary.clients).toHaveLength(1);
    expect(summary.clients[0]).toMatchObject({ client: 1, pid: lastScriptorPid, process: 'scriptor' });
    expect(summary.clients[0]?.calls.find((c) => c.command === 'SCARD_TRANSMIT')).toMatchObject({
      calls: 3,
      errors: 0,
    });
    const tr = summary.total.find((c) => c.command === 'SCARD_TRANSMIT');
    expect(tr?.meanUs).toBe(Math.round((tr?.totalUs ?? 0) / 3));
    expect(spy.lines.some((l) => l.startsWith(`pcsc: client 1 connected: scriptor (pid ${lastScriptorPid}`))).toBe(
      true,
    );
    const commands = records.map((r) => r.command);
    expect(commands.slice(0, 2)).toEqual(['CMD_VERSION', 'SCARD_ESTABLISH_CONTEXT']);
    expect(commands).toContain('SCARD_CONNECT');
    expect(commands.at(-1)).toBe('SCARD_RELEASE_CONTEXT');
    const tx = records.filter((r) => r.command === 'SCARD_TRANSMIT');
    expect(tx.map((r) => [r.apdu, r.response, r.sw, r.rvName, r.reader])).toEqual([
      ['00E2000002CAFE', 'CAFE', '9000', 'SCARD_S_SUCCESS', R0],
      ['0020008104********', '', '9000', 'SCARD_S_SUCCESS', R0],
      ['0020008104********', '', '63C2', 'SCARD_S_SUCCESS', R0],
    ]);
    expect(tx.every((r) => r.redacted === undefined || r.redacted === true)).toBe(true);
    expect(readFileSync(output, 'utf8')).not.toContain('31323334');
    for (const r of records) {
      expect(typeof r.time).toBe('string');
      expect(typeof r.durationUs).toBe('number');
    }
  });

  it('prints text lines on stdout, and the PIN with --show-secrets', async () => {
    const listen = join(rig.dir, 'spy2.comm');
    const spy = pcsc(['spy', '--show-secrets', '--listen', listen, '--upstream', rig.socket]);
    try {
      await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
      await scriptorVia(listen);
      await spy.waitLine(/SCARD_RELEASE_CONTEXT/, 0, 10_000, 'SCARD_RELEASE_CONTEXT');
    } finally {
      await spy.stop(3000, 'SIGINT');
    }
    expect(await spy.exited).toBe(0);
    const verify = spy.lines.filter((l) => l.includes('apdu=0020008104'));
    expect(verify).toHaveLength(2);
    expect(verify[0]).toMatch(
      /SCARD_TRANSMIT .*reader="Virtual PCD 00 00" protocol=T=1 apdu=002000810431323334 response= sw=9000 \(Success\) rv=SCARD_S_SUCCESS \d+\.\d{3}ms/,
    );
    expect(verify[1]).toMatch(/sw=63C2 \(Warning: counter is 2 \(for VERIFY: wrong PIN, 2 tries left\)\)/);
    expect(spy.lines.some((l) => /SCARD_CONNECT .*share=shared preferred=T=0\|T=1 protocol=T=1/.test(l))).toBe(true);
    // Each line names the client's process; at exit, the per-call summary.
    expect(verify[0]).toContain(` #1 scriptor[${lastScriptorPid}] SCARD_TRANSMIT `);
    const at = spy.lines.indexOf(`Client #1: scriptor (pid ${lastScriptorPid})`);
    expect(at).toBeGreaterThan(0);
    expect(spy.lines[at + 1]).toMatch(/^ {2}FUNCTION +CALLS +ERRORS +TOTAL ms +MEAN ms$/);
    expect(spy.lines.slice(at).some((l) => /^ {2}SCARD_TRANSMIT +3 +0 +\d+\.\d{3} +\d+\.\d{3}$/.test(l))).toBe(true);
  });
});

describe('pcsc spy: every PIN-carrying command masked', () => {
  // Odd-INS forms (data objects: values masked, tags and lengths kept), DISABLE and ENABLE
  // VERIFICATION REQUIREMENT, with GSM's class byte too.
  const SECRETS =
    '00 21 00 81 07 5F 2E 04 31 32 33 34\n00 25 00 81 0E 5F 2E 04 31 32 33 34 5F 2E 04 35 36 37 38\n' +
    '00 2D 00 81 07 5F 2E 04 31 32 33 34\n00 26 00 81 04 31 32 33 34\nA0 28 00 01 08 31 32 33 34 FF FF FF FF\n';
  const MASKED = [
    '00210081075F2E04********',
    '002500810E5F2E04********5F2E04********',
    '002D0081075F2E04********',
    '0026008104********',
    'A028000108****************',
  ];

  it('in the JSON log and in the text log', async () => {
    const listen = join(rig.dir, 'spy-secrets.comm');
    const output = join(rig.dir, 'secrets.jsonl');
    for (const json of [true, false]) {
      const spy = pcsc([
        'spy',
        ...(json ? ['--json', '-o', output] : []),
        '--listen',
        listen,
        '--upstream',
        rig.socket,
      ]);
      try {
        await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
        const p = startProcess('scriptor', ['-r', R0], {
          env: { ...process.env, PCSCLITE_CSOCK_NAME: listen },
          stdin: SECRETS,
        });
        expect(await p.exited).toBe(0);
        if (!json) await spy.waitLine(/SCARD_RELEASE_CONTEXT/, 0, 10_000, 'SCARD_RELEASE_CONTEXT');
      } finally {
        await spy.stop(3000, 'SIGINT');
      }
      const log = json ? readFileSync(output, 'utf8') : spy.lines.join('\n');
      expect(log).not.toMatch(/31 ?32 ?33 ?34|35 ?36 ?37 ?38/);
      if (json) {
        const tx = log
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { command: string; apdu?: string; redacted?: boolean })
          .filter((r) => r.command === 'SCARD_TRANSMIT');
        expect(tx.map((r) => [r.apdu, r.redacted])).toEqual(MASKED.map((m) => [m, true]));
      } else {
        for (const m of MASKED) expect(log).toContain(`apdu=${m} (PIN masked)`);
      }
    }
  });
});

describe('pcsc spy -o FILE', () => {
  it('makes an existing file private (0600) before writing the trace into it', async () => {
    const listen = join(rig.dir, 'spy-mode.comm');
    const output = join(rig.dir, 'old-trace.txt');
    writeFileSync(output, 'an older trace\n');
    chmodSync(output, 0o644);
    const spy = pcsc(['spy', '--listen', listen, '--upstream', rig.socket, '-o', output]);
    try {
      await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
      expect(statSync(output).mode & 0o777).toBe(0o600);
      await scriptorVia(listen);
    } finally {
      await spy.stop(3000, 'SIGINT');
    }
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(readFileSync(output, 'utf8')).not.toContain('an older trace');
    expect(readFileSync(output, 'utf8')).toContain('SCARD_TRANSMIT');
  });
});

describe('pcsc spy with a log reader slower than its clients', () => {
  it('leaves out what the reader cannot take beyond 1 MiB, and says in the log how much', async () => {
    const listen = join(rig.dir, 'spy-slow.comm');
    const spy = pcsc(['spy', '--listen', listen, '--upstream', rig.socket]);
    const n = 20_000;
    try {
      await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
      // Nobody reads the spy's stdout while the APDUs go through: its pipe fills, then its buffer.
      spy.child.stdout?.pause();
      const r = await runCli(['apdu', '--repeat', String(n), '00E2000001AA'], {
        env: { ...process.env, PCSCLITE_CSOCK_NAME: listen },
        timeoutMs: 120_000,
      });
      expect(r.code, r.stderr).toBe(0);
      spy.child.stdout?.resume();
      await spy.waitLine(/calls? not logged/, 0, 20_000, 'the dropped-records line');
    } finally {
      // Stopping writes what the log is still owed: the count of calls left out since.
      await spy.stop(3000, 'SIGINT');
    }
    const logged = spy.lines.filter((l) => /SCARD_TRANSMIT .*apdu=00E2000001AA/.test(l)).length;
    const dropped = spy.lines
      .map((l) => /^\S+ (\d+) calls? not logged \(\S+–\S+\): the log's reader was too slow$/.exec(l))
      .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
    expect(dropped).toBeGreaterThan(0);
    expect(logged).toBeLessThan(n);
    // Every call is either in the log or counted (the dropped ones include BEGIN/END_TRANSACTION).
    expect(await spy.exited).toBe(0);
    expect(logged + dropped).toBeGreaterThanOrEqual(n);
    expect(spy.lines).toContain("pcsc: the log's reader is too slow: calls are left out until it catches up");
  }, 180_000);
});

describe('pcsc spy | head', () => {
  it('stops (exit 0) when the reader of its log goes away, as a filter does on SIGPIPE', async () => {
    const listen = join(rig.dir, 'spy-pipe.comm');
    const spy = pcsc(['spy', '--listen', listen, '--upstream', rig.socket]);
    try {
      await spy.waitLine(/listening on/, 0, 15_000, 'listening on');
      spy.child.stdout?.destroy();
      // The client may be cut off when the spy stops: only the spy's end matters here.
      await startProcess('scriptor', ['-r', R0], {
        env: { ...process.env, PCSCLITE_CSOCK_NAME: listen },
        stdin: SCRIPT,
      }).exited;
      await spy.waitLine(/broken pipe/, 0, 10_000, 'broken pipe');
      const code = await Promise.race([
        spy.exited,
        new Promise((r) => setTimeout(() => r('still running after 10 s'), 10_000)),
      ]);
      expect(code).toBe(0);
    } finally {
      await spy.stop(3000, 'SIGINT');
    }
    expect(existsSync(listen)).toBe(false);
  });
});

describe('pcsc proxy', () => {
  it('tells clients the absolute path of a --listen given relative to its directory', async () => {
    const proxy = pcsc(['proxy', '--listen', 'rel.comm', '--upstream', rig.socket], rig.dir);
    try {
      await proxy.waitLine(/point clients at it/, 0, 15_000, 'point clients at it');
      expect(proxy.lines).toContain(
        `pcsc: point clients at it with PCSCLITE_CSOCK_NAME=${join(rig.dir, 'rel.comm')}; Ctrl-C stops`,
      );
      expect(await scriptorVia(join(rig.dir, 'rel.comm'))).toContain('< 90 00 : Normal processing.');
    } finally {
      await proxy.stop(3000, 'SIGINT');
    }
  });

  it('serves scriptor, and Ctrl-C stops it cleanly and removes the socket', async () => {
    const listen = join(rig.dir, 'proxy.comm');
    const proxy = pcsc(['proxy', '--listen', listen, '--upstream', rig.socket]);
    try {
      await proxy.waitLine(/listening on .*\(pcscd 4:4\)/, 0, 15_000, 'listening on .*(pcscd 4:4)');
      expect(await scriptorVia(listen)).toContain('< 63 C2 : State of non-volatile memory changed. Counter: 0x2');
    } finally {
      await proxy.stop(3000, 'SIGINT');
    }
    expect(await proxy.exited).toBe(0);
    expect(existsSync(listen)).toBe(false);
    expect(proxy.lines.some((l) => /stopped after 1 client connection/.test(l))).toBe(true);
  });

  it('refuses bad places to listen with one line and exit code 2', async () => {
    // --listen may be left out (its default is under $XDG_RUNTIME_DIR), not given without a value.
    const missing = pcsc(['proxy', '--upstream', rig.socket, '--listen']);
    expect(await missing.exited).toBe(2);

    const self = pcsc(['proxy', '--listen', rig.socket, '--upstream', rig.socket]);
    expect(await self.exited).toBe(2);
    expect(self.lines.filter(Boolean)).toEqual([
      expect.stringMatching(/^pcsc: the proxy cannot listen on pcscd's own socket/),
    ]);

    const busyPath = join(rig.dir, 'busy.comm');
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(busyPath, () => ok()));
    try {
      const taken = pcsc(['proxy', '--listen', busyPath, '--upstream', rig.socket]);
      expect(await taken.exited).toBe(2);
      expect(taken.lines.join('\n')).toMatch(/another program is listening there/);
    } finally {
      busy.close();
    }

    // The proxy creates the socket's own directory, not the ones above it.
    const noDir = pcsc(['proxy', '--listen', join(rig.dir, 'nope', 'deeper', 'x.comm'), '--upstream', rig.socket]);
    expect(await noDir.exited).toBe(2);
    expect(noDir.lines.filter(Boolean)).toEqual([
      `pcsc: cannot listen on ${join(rig.dir, 'nope', 'deeper', 'x.comm')}: directory ${join(rig.dir, 'nope')} does not exist (the proxy creates only the socket's own directory)`,
    ]);
    expect(existsSync(join(rig.dir, 'nope'))).toBe(false);

    // An upstream that is the proxy's own socket under another name would loop.
    const loop = join(rig.dir, 'loop.comm');
    symlinkSync(loop, join(rig.dir, 'loop-link.comm'));
    const looped = pcsc(['proxy', '--listen', loop, '--upstream', join(rig.dir, 'loop-link.comm')]);
    expect(await looped.exited).toBe(2);
    expect(looped.lines.filter(Boolean)).toEqual([
      `pcsc: --upstream ${join(rig.dir, 'loop-link.comm')} leads to the proxy's own socket (${loop}): point it at pcscd's socket`,
    ]);
    expect(existsSync(loop)).toBe(false);

    // A spy that cannot write its log would serve clients and record nothing.
    const noLogDir = pcsc([
      'spy',
      '--listen',
      join(rig.dir, 'spy-nolog.comm'),
      '--upstream',
      rig.socket,
      '-o',
      join(rig.dir, 'nope', 'trace.jsonl'),
    ]);
    expect(await noLogDir.exited).toBe(2);
    expect(noLogDir.lines.filter(Boolean)).toEqual([
      `pcsc: cannot write the log to ${join(rig.dir, 'nope', 'trace.jsonl')}: directory ${join(rig.dir, 'nope')} does not exist`,
    ]);
    const logIsDir = pcsc([
      'spy',
      '--listen',
      join(rig.dir, 'spy-nolog.comm'),
      '--upstream',
      rig.socket,
      '-o',
      rig.dir,
    ]);
    expect(await logIsDir.exited).toBe(2);
    expect(logIsDir.lines.join('\n')).toMatch(/it is a directory/);
    expect(existsSync(join(rig.dir, 'spy-nolog.comm'))).toBe(false);
  });

  it('says when pcscd is not there, serves anyway, its clients get SCARD_E_NO_SERVICE; SIGTERM stops it', async () => {
    const listen = join(rig.dir, 'proxy3.comm');
    const proxy = pcsc(['proxy', '--listen', listen, '--upstream', join(rig.dir, 'no-daemon.comm')]);
    try {
      await proxy.waitLine(/pcscd not reachable now/, 0, 15_000, 'pcscd not reachable now');
      const scan = startProcess('pcsc_scan', ['-r'], { env: { ...process.env, PCSCLITE_CSOCK_NAME: listen } });
      await scan.exited;
      expect(scan.lines.join('\n')).toMatch(/Service not available/);
    } finally {
      await proxy.stop(3000, 'SIGTERM');
    }
    expect(await proxy.exited).toBe(0);
    expect(existsSync(listen)).toBe(false);
  });
});
