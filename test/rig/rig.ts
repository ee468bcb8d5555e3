// The real-daemon test rig: Debian's pcscd on a private socket (socket activation), the vpcd reader
// driver on free TCP ports, and cards: card.py (ours, scriptable) or Debian's vicc (independent).

import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCard, SYSTEM_PYTHON, type CardControl } from './card-control.js';
import { cliEnv } from '../helpers/cli.js';
import { requireFiles, startProcess, type LineSource, type Proc } from './processes.js';

export type { CardControl, CardRule, CardLogEntry } from './card-control.js';

const PCSCD = '/usr/sbin/pcscd';
const VPCD = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const VICC = '/usr/bin/vicc';
const LAUNCH = fileURLToPath(new URL('./pcscd-launch.py', import.meta.url));
const VICC_LAUNCH = fileURLToPath(new URL('./vicc-launch.py', import.meta.url));
const READY_MS = 10_000;
const PORT_ATTEMPTS = 6;

export type Slot = 0 | 1;

export interface RigOptions {
  /** false: pcscd with no reader at all (listReaders gives []). Default true. */
  readers?: boolean;
  /** Slots whose card.py card is inserted before startRig resolves. Default [0]. */
  insert?: Slot[];
  /** The ATR of card.py's cards (default card.py's, 3B 80 80 01 01: T=0 and T=1). */
  atr?: string;
  /** Slots served by Debian's vicc instead of card.py (inserted at start). */
  vicc?: Slot[];
  /** pcscd --apdu: log APDU/SW lines. */
  apdu?: boolean;
  /** pcscd --debug (default --info, which the rig needs to see insertions). */
  debug?: boolean;
}

export interface ViccControl {
  readonly reader: string;
  readonly port: number;
  /** Starts vicc (it connects to vpcd: card inserted) and waits until pcscd has powered it. */
  insert(): Promise<void>;
  /** Stops vicc (card removed) and waits until pcscd has noticed. */
  remove(): Promise<void>;
}

export interface Rig {
  /** The rig's temporary directory (socket, reader.conf.d, logs); tests may put their own files here. Removed by stop(). */
  readonly dir: string;
  /** pcscd's private socket: pass it as `socket` or PCSCLITE_CSOCK_NAME. */
  readonly socket: string;
  /** Reader names in pcscd's slot order ([] when started with readers: false). */
  readonly readers: string[];
  /** The first vpcd port (slot 0; slot 1 is port + 1). 0 without readers. */
  readonly port: number;
  readonly pcscdPid: number;
  /** Everything pcscd printed so far (stdout and stderr). */
  readonly pcscdLog: string;
  /** card.py in this slot (throws for a vicc slot or a rig without readers). */
  card(slot: Slot): CardControl;
  vicc(slot: Slot): ViccControl;
  /** PCSCLITE_CSOCK_NAME=socket on top of process.env (minus NODE_ENV), for peer tools and the CLI. */
  env(): NodeJS.ProcessEnv;
  /** SIGKILLs pcscd (the socket file stays: later connects get ECONNREFUSED). */
  killDaemon(): Promise<void>;
  /**
   * Starts a new pcscd on the same socket and vpcd ports (after killDaemon, or killing it now), as
   * a restart or socket activation does. Every card is out then (vpcd's connections went with the
   * old daemon): insert them again. pcscdPid and pcscdLog follow the new daemon.
   */
  restartDaemon(): Promise<void>;
  stop(): Promise<void>;
}

/** A port pair (PORT, PORT + 1) that nothing listens on now; vpcd binds both on 0.0.0.0. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 20_000);
    if ((await canListen(base)) && (await canListen(base + 1))) return base;
  }
  throw new Error('test rig: no free TCP port pair found');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function checkTools(opts: RigOptions): void {
  const files: Record<string, string> = { [PCSCD]: 'pcscd', [SYSTEM_PYTHON]: 'python3' };
  if (opts.readers !== false) files[VPCD] = 'vsmartcard-vpcd';
  if (opts.vicc?.length)
    Object.assign(files, { [VICC]: 'vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome' });
  requireFiles(files);
}

async function startPcscd(dir: string, socket: string, port: number, opts: RigOptions): Promise<Proc> {
  const conf = join(dir, 'reader.conf.d');
  rmSync(conf, { recursive: true, force: true });
  mkdirSync(conf);
  if (port) {
    const hex = '0x' + port.toString(16);
    writeFileSync(
      join(conf, 'vpcd'),
      `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${hex}\nLIBPATH ${VPCD}\nCHANNELID ${hex}\n`,
    );
  }
  const args = [LAUNCH, socket, '--foreground', '--config', conf, opts.debug ? '--debug' : '--info'];
  if (opts.apdu) args.push('--apdu');
  const proc = startProcess(SYSTEM_PYTHON, args, { logFile: join(dir, `pcscd-${Date.now()}.log`) });
  await proc.waitLine(/daemon ready\.$/, 0, READY_MS, 'pcscd start-up ("daemon ready")');
  return proc;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  checkTools(opts);
  const dir = mkdtempSync(join(tmpdir(), 'pcsc-rig-'));
  const socket = join(dir, 'pcscd.comm');
  const withReaders = opts.readers !== false;
  const cards = new Map<Slot, CardControl>();
  const viccs = new Map<Slot, ViccControl & { kill(): Promise<void> }>();
  let pcscd: Proc | null = null;
  let port = 0;
  let stopped = false;
  // What cards and vicc wait on: always the current daemon's output, across restarts.
  const daemonLog: LineSource = {
    get lines() {
      return pcscd?.lines ?? [];
    },
    waitLine: (match, from, timeoutMs, what) => {
      if (!pcscd) return Promise.reject(new Error('test rig: pcscd is not running'));
      return pcscd.waitLine(match, from, timeoutMs, what);
    },
  };
  const daemonRunning = (): boolean => pcscd !== null && !pcscd.hasExited;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled([...cards.values()].map((c) => c.stop()));
    await Promise.allSettled([...viccs.values()].map((v) => v.kill()));
    await pcscd?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Another rig (or anything) may take the ports between the check and pcscd's bind: retry.
    for (let attempt = 1; ; attempt++) {
      port = withReaders ? await freePortPair() : 0;
      pcscd = await startPcscd(dir, socket, port, opts);
      if (!pcscd.lines.some((l) => /init failed|Address already in use/.test(l))) break;
      await pcscd.stop();
      if (attempt >= PORT_ATTEMPTS)
        throw new Error(`test rig: vpcd could not bind its ports:\n${pcscd.lines.join('\n')}`);
    }
    const readers = withReaders ? ['Virtual PCD 00 00', 'Virtual PCD 00 01'] : [];
    const slots: Slot[] = withReaders ? [0, 1] : [];
    for (const slot of slots) {
      if (opts.vicc?.includes(slot)) {
        viccs.set(slot, makeVicc(daemonLog, daemonRunning, readers[slot] as string, port + slot, dir));
      } else {
        cards.set(
          slot,
          await startCard({ port: port + slot, reader: readers[slot] as string, pcscdLog: daemonLog, atr: opts.atr }),
        );
      }
    }
    await Promise.all([
      ...(opts.insert ?? (withReaders ? [0] : [])).filter((s) => cards.has(s)).map((s) => cards.get(s)?.insert()),
      ...[...viccs.values()].map((v) => v.insert()),
    ]);

    const current = (): Proc => {
      if (!pcscd) throw new Error('test rig: pcscd is not running');
      return pcscd;
    };
    return {
      dir,
      socket,
      readers,
      port,
      get pcscdPid() {
        return current().pid;
      },
      get pcscdLog() {
        return current().lines.join('\n');
      },
      card(slot) {
        const c = cards.get(slot);
        if (!c) throw new Error(`test rig: no card.py in slot ${slot}`);
        return c;
      },
      vicc(slot) {
        const v = viccs.get(slot);
        if (!v) throw new Error(`test rig: no vicc in slot ${slot} (start the rig with vicc: [${slot}])`);
        return v;
      },
      // Without NODE_ENV (cliEnv says why): the CLI must run as users run it.
      env: () => cliEnv({ ...process.env, PCSCLITE_CSOCK_NAME: socket }),
      async killDaemon() {
        current().child.kill('SIGKILL');
        await current().exited;
      },
      async restartDaemon() {
        const old = current();
        old.child.kill('SIGKILL');
        await old.exited;
        const next = await startPcscd(dir, socket, port, opts);
        pcscd = next;
        // The cards connect to these ports: a daemon on other ports would have no card.
        if (next.lines.some((l) => /init failed|Address already in use/.test(l))) {
          throw new Error(
            `test rig: the restarted pcscd could not bind vpcd's ports ${port}, ${port + 1}:\n${next.lines.join('\n')}`,
          );
        }
        await Promise.all([...cards.values()].map((c) => c.daemonReplaced()));
        await Promise.all([...viccs.values()].map((v) => v.kill()));
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function makeVicc(
  pcscd: LineSource,
  daemonRunning: () => boolean,
  reader: string,
  port: number,
  dir: string,
): ViccControl & { kill(): Promise<void> } {
  let proc: Proc | null = null;
  const escaped = reader.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    reader,
    port,
    async insert() {
      if (proc && !proc.hasExited) return;
      const from = pcscd.lines.length;
      const logFile = join(dir, `vicc-${port}-${Date.now()}.log`);
      proc = startProcess(SYSTEM_PYTHON, [VICC_LAUNCH, '-t', 'iso7816', '-H', '127.0.0.1', '-P', String(port)], {
        logFile,
      });
      await pcscd.waitLine(
        new RegExp(`Card inserted into ${escaped}$`),
        from,
        READY_MS,
        `pcscd noticing vicc in ${reader}`,
      );
    },
    async remove() {
      if (!proc || proc.hasExited) return;
      const from = pcscd.lines.length;
      await proc.stop();
      if (daemonRunning()) {
        await pcscd.waitLine(
          new RegExp(`Card Removed From ${escaped}$`),
          from,
          READY_MS,
          `pcscd noticing vicc leaving ${reader}`,
        );
      }
    },
    async kill() {
      await proc?.stop(500);
    },
  };
}
