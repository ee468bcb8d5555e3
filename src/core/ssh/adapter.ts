// Stand-in for the doctor engine and its live SystemProbe until src/core/doctor/engine.ts lands on
// main: runs checks in order with dependency skips, timeouts and crash → error. Same contract.

import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Check, CheckReport, CheckResult, CheckStatus, DoctorReport, Facts, Platform, ProbeStat, ProcessInfo, SystemProbe } from '../doctor/types.js';

export interface AdapterRunOptions {
  probe: SystemProbe;
  checks: readonly Check[];
  options?: Readonly<Record<string, unknown>>;
  facts?: Facts;
  signal?: AbortSignal;
}

export async function runChecks(opts: AdapterRunOptions): Promise<DoctorReport> {
  const facts = opts.facts ?? new Map<string, unknown>();
  const results = new Map<string, CheckReport>();
  for (const c of opts.checks) {
    const start = performance.now();
    const blocked = (c.dependsOn ?? []).map((d) => results.get(d)).find((d) => d && d.status !== 'pass' && d.status !== 'warn');
    let r: CheckResult;
    if (!c.platforms.includes(opts.probe.platform)) r = { status: 'skip', summary: `Only on ${c.platforms.join(', ')}` };
    else if (blocked) r = { status: 'skip', summary: `Skipped: needs "${blocked.title}", which ${blocked.status === 'fail' ? 'failed' : 'did not pass'}` };
    else r = await runOne(c, { probe: opts.probe, results, facts, options: opts.options ?? {}, signal: opts.signal ?? new AbortController().signal });
    results.set(c.id, { id: c.id, title: c.title, category: c.category, ...r, durationUs: Math.round((performance.now() - start) * 1000) });
  }
  const checks = [...results.values()];
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const c of checks) summary[c.status]++;
  return { checks, summary, ok: summary.fail === 0 && summary.error === 0 };
}

async function runOne(c: Check, ctx: Parameters<Check['run']>[0]): Promise<CheckResult> {
  const ms = c.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'error', summary: `The check did not finish within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([c.run(ctx), timeout]);
  } catch (e) {
    return { status: 'error', summary: `The check crashed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

function toStat(s: Stats): ProbeStat {
  return {
    isFile: s.isFile(), isDirectory: s.isDirectory(), isSymlink: s.isSymbolicLink(), isSocket: s.isSocket(), isCharDevice: s.isCharacterDevice(),
    mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, mtimeMs: s.mtimeMs,
  };
}

const orNull = async <T>(f: () => Promise<T>): Promise<T | null> => {
  try { return await f(); } catch { return null; }
};

/** The live system as a SystemProbe (root "/"); programs are never run by the ssh checks. */
export function liveProbe(env: Readonly<Record<string, string | undefined>> = process.env): SystemProbe {
  const probe: SystemProbe = {
    root: '/',
    platform: (process.platform === 'android' ? 'linux' : process.platform) as Platform,
    env,
    path: (p) => p,
    readFile: (p) => orNull(() => readFile(p, 'utf8')),
    readDir: (p) => orNull(async () => (await readdir(p)).sort()),
    stat: (p) => orNull(async () => toStat(await stat(p))),
    lstat: (p) => orNull(async () => toStat(await lstat(p))),
    readLink: (p) => orNull(() => readlink(p)),
    realPath: (p) => orNull(() => realpath(p)),
    run: async () => null,
    async processes() {
      const out: ProcessInfo[] = [];
      for (const name of (await probe.readDir('/proc')) ?? []) {
        if (!/^\d+$/.test(name)) continue;
        const cmdline = await probe.readFile(`/proc/${name}/cmdline`);
        if (!cmdline) continue;
        const uid = /^Uid:\s+(\d+)/m.exec((await probe.readFile(`/proc/${name}/status`)) ?? '');
        const exe = await probe.readLink(`/proc/${name}/exe`);
        out.push({ pid: Number(name), argv: cmdline.replace(/\0$/, '').split('\0'), uid: uid ? Number(uid[1]) : -1, ...(exe ? { exe } : {}) });
      }
      return out;
    },
  };
  return probe;
}
