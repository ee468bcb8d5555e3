// Transmit benchmark: the core's Card.transmit (built library, bench/transmit-client.mjs) against
// libpcsclite's own C client (bench/transmit.c), on the same pcscd, vpcd reader and card.py, with
// a hand-written minimal Node client (transmit-node-floor.mjs) as the floor Node allows. All are
// fresh processes that warm up, then time their APDUs; they run in rotating rounds so that a
// busy machine slows them alike. Each sends 20,000 timed APDUs in all.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPcscClient } from '../test/rig/build-c.js';
import { startRig } from '../test/rig/rig.js';
import { median } from './stats.js';

/** Case 2: 8 bytes back from card.py's built-in E0. */
const APDU = '00E0000800';
const EXPECTED = '00010203040506079000';
const CORE_CLIENT = fileURLToPath(new URL('./transmit-client.mjs', import.meta.url));
const NODE_FLOOR = fileURLToPath(new URL('./transmit-node-floor.mjs', import.meta.url));

interface Round {
  seconds: number;
  /** The client's CPU (user + system) in its timed loop. */
  cpuSeconds: number;
}

function client(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Round> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${cmd}: ${err.message}\n${stderr}`));
      const r = JSON.parse(stdout) as Round & { response: string };
      if (r.response !== EXPECTED) return reject(new Error(`${cmd} got ${r.response}, expected ${EXPECTED}`));
      resolve(r);
    });
  });
}

export interface Side {
  /** Median over rounds of wall time per APDU, microseconds. */
  usPerApdu: number;
  /** Fastest round, microseconds per APDU: the least disturbed by other load. */
  bestUsPerApdu: number;
  cpuUsPerApdu: number;
}

export interface TransmitResult {
  apdus: number;
  rounds: number;
  c: Side;
  core: Side;
  /** A hand-written minimal Node client (no core): what Node itself costs. */
  floor: Side;
  /** core / libpcsclite, medians of the rounds. */
  ratio: number;
  /** Median of the per-round ratios (each pair ran back to back). */
  pairedRatio: number;
}

export async function benchTransmit(
  opts: { apdus?: number; rounds?: number; log?: (s: string) => void } = {},
): Promise<TransmitResult> {
  const apdus = opts.apdus ?? 20_000;
  const rounds = opts.rounds ?? 20;
  const per = Math.ceil(apdus / rounds);
  const log = opts.log ?? ((): void => undefined);
  const bin = buildPcscClient(fileURLToPath(new URL('./transmit.c', import.meta.url)));
  const rig = await startRig({ insert: [0] });
  try {
    const env = rig.env();
    const args = [rig.readers[0] as string, String(per), APDU];
    const c: Round[] = [];
    const core: Round[] = [];
    const floor: Round[] = [];
    const clients: [Round[], () => Promise<Round>][] = [
      [c, () => client(bin, args, env)],
      [core, () => client(process.execPath, [CORE_CLIENT, ...args], env)],
      [floor, () => client(process.execPath, [NODE_FLOOR, ...args], env)],
    ];
    for (let r = 0; r < rounds; r++) {
      // Rotate who goes first, so that no client always follows another's wake-up of the daemon.
      for (let k = 0; k < clients.length; k++) {
        const [into, run] = clients[(r + k) % clients.length] as [Round[], () => Promise<Round>];
        into.push(await run());
      }
      const us = (x: Round | undefined): string => (((x?.seconds ?? NaN) * 1e6) / per).toFixed(1);
      log(
        `  round ${r + 1}/${rounds}: libpcsclite ${us(c.at(-1))} µs, core ${us(core.at(-1))} µs, node floor ${us(floor.at(-1))} µs per APDU`,
      );
    }
    const side = (xs: Round[]): Side => ({
      usPerApdu: (median(xs.map((x) => x.seconds)) * 1e6) / per,
      bestUsPerApdu: (Math.min(...xs.map((x) => x.seconds)) * 1e6) / per,
      cpuUsPerApdu: (median(xs.map((x) => x.cpuSeconds)) * 1e6) / per,
    });
    const cs = side(c);
    const cores = side(core);
    return {
      apdus: per * rounds,
      rounds,
      c: cs,
      core: cores,
      floor: side(floor),
      ratio: cores.usPerApdu / cs.usPerApdu,
      pairedRatio: median(core.map((x, i) => x.seconds / (c[i] as Round).seconds)),
    };
  } finally {
    await rig.stop();
  }
}
