// `pcsc apdu` through the shared CLI runner (test/helpers/cli.ts), plus what its tests compare with.

import { assertFreshBuild } from '../../helpers/build.js';
import { pcsc as runPcsc } from '../../helpers/cli.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function pcsc(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; input?: string; timeout?: number },
): Promise<CliResult> {
  assertFreshBuild();
  const r = await runPcsc(args, {
    env: { ...opts.env, NO_COLOR: '1' },
    input: opts.input ?? '',
    timeoutMs: opts.timeout ?? 20_000,
  });
  // Without the final newline: these tests compare whole outputs written that way.
  const strip = (t: string): string => t.replace(/\r?\n$/, '');
  return { exitCode: r.code ?? -1, stdout: strip(r.stdout), stderr: strip(r.stderr) };
}

/** `pcsc … --json`, parsed. */
export async function pcscJson<T = Record<string, unknown>>(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; input?: string },
): Promise<{ exitCode: number; json: T; stderr: string }> {
  const r = await pcsc([...args, '--json'], opts);
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
  }
  return { exitCode: r.exitCode, json, stderr: r.stderr };
}

/** Bytes 00 01 02 … (wrapping at FF), as card.py's built-in commands return them. */
export function pattern(n: number): string {
  return Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff))
    .toString('hex')
    .toUpperCase();
}
