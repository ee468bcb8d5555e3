// Runs a command in the QEMU CCID guest (test/rig/ccid-vm.sh) and collects the "@@ {json}"
// results guest scripts print (test/rig/guest/report.mjs). Every guest test starts its VM here.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface GuestResult {
  name: string;
  value?: unknown;
  error?: { message: string; code?: string | number; name?: string; kind?: string; scardName?: string };
  ms?: number;
}

export interface GuestRun {
  code: number | null;
  output: string;
  results: Map<string, GuestResult>;
}

const children = new Set<ChildProcess>();
// ccid-vm.sh stops its VM on SIGTERM; a test run that ends early must not leave one behind.
process.once('exit', () => {
  for (const c of children) c.kill('SIGTERM');
});

/** Guest scripts import dist/: it must be built from the current sources. */
export { assertFreshBuild } from '../../helpers/build.js';

export interface GuestOptions {
  card: string;
  env?: Record<string, string>;
  /** Extra QEMU arguments (CCID_VM_EXTRA). */
  extra?: string;
  /** A host directory the guest shares read-write at the same path (CCID_VM_RW). */
  rw?: string;
  timeoutS?: number;
  onLine?: (line: string) => void;
}

export function runInGuest(argv: string[], opts: GuestOptions): Promise<GuestRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    CCID_VM_CARD: opts.card,
    // TCG emulation on 2 loaded cores: a whole passthru run once needed more than 240 s of QEMU time.
    CCID_VM_TIMEOUT: String(opts.timeoutS ?? 420),
    CCID_VM_PASS: Object.keys(opts.env ?? {}).join(' '),
    ...(opts.extra ? { CCID_VM_EXTRA: opts.extra } : {}),
    ...(opts.rw ? { CCID_VM_RW: opts.rw } : {}),
  };
  const child = spawn('sh', [join(REPO, 'test/rig/ccid-vm.sh'), ...argv], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  let partial = '';
  const results = new Map<string, GuestResult>();
  const onData = (s: string): void => {
    output += s;
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      opts.onLine?.(line);
      if (process.env.CCID_VM_VERBOSE) process.stderr.write(`guest: ${line}\n`);
      const at = line.indexOf('@@ ');
      if (at < 0) continue;
      try {
        const r = JSON.parse(line.slice(at + 3)) as GuestResult;
        results.set(r.name, r);
      } catch {
        // a result line cut by console noise: the test will miss it and say so
      }
    }
  };
  // Decoded by the streams (a StringDecoder), not chunk by chunk: a chunk can end inside a
  // multi-byte character (the guest's "·" came out as two U+FFFD under load).
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  return new Promise((resolve) => {
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, output, results });
    });
  });
}

/** The value of a guest step, or a failure that shows the step's error and the guest output. */
export function valueOf<T = unknown>(run: GuestRun, name: string): T {
  const r = run.results.get(name);
  if (!r)
    throw new Error(
      `guest step "${name}" did not report (exit ${run.code}); guest output:\n${run.output.slice(-4000)}`,
    );
  if (r.error) throw new Error(`guest step "${name}" failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

export function errorOf(run: GuestRun, name: string): NonNullable<GuestResult['error']> {
  const r = run.results.get(name);
  if (!r)
    throw new Error(
      `guest step "${name}" did not report (exit ${run.code}); guest output:\n${run.output.slice(-4000)}`,
    );
  if (!r.error)
    throw new Error(`guest step "${name}" succeeded with ${JSON.stringify(r.value)}; an error was expected`);
  return r.error;
}
