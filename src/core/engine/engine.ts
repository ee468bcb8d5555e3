// The check engine: selects checks from a registry, orders them by their dependencies, runs them
// with per-check timeouts, skips dependants of failures, turns crashes into 'error', and sums the
// results up. doctor, udev-check and ssh-check differ only in their registries and filters.

import { PcscError, Scard, UsageError } from '../errors.js';
import type {
  Check,
  CheckContext,
  CheckReport,
  CheckResult,
  CheckStatus,
  Facts,
  RunReport,
  UntypedFacts,
  UntypedOptions,
} from './types.js';
import type { SystemProbe } from '../system/types.js';

export const DEFAULT_TIMEOUT_MS = 5000;
const STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail', 'skip', 'error'];

/** Which checks to run: by id and/or category. Empty or absent lists mean "all". */
export interface Selection {
  ids?: readonly string[];
  categories?: readonly string[];
}

/** `runChecks`' options; `options` may be left out when the registry's options are all optional. */
export type RunOptions<F extends object = UntypedFacts, O extends object = UntypedOptions> = RunBase<F, O> &
  (Record<never, never> extends O ? { options?: Readonly<O> } : { options: Readonly<O> });

interface RunBase<F extends object, O extends object> {
  probe: SystemProbe;
  /** The registry (all known checks); `select` picks from it. */
  checks: readonly Check<F, O>[];
  select?: Selection;
  /** Command options handed to every check (doctor's `socket`, ssh-check's `provider`). */
  options?: Readonly<O>;
  /** Pass a store (`createFacts()`) to read the facts checks left behind (e.g. the negotiated protocol). */
  facts?: Facts<F>;
  signal?: AbortSignal;
  /** Checks running at once (default 4): checks mostly wait on files, programs and sockets. */
  concurrency?: number;
  /** Called as each check finishes (for progress output). */
  onReport?: (report: CheckReport) => void;
}

/** An empty fact store for `runChecks({facts})`. */
export function createFacts<F extends object = UntypedFacts>(): Facts<F> {
  const m = new Map<keyof F, unknown>();
  return {
    get: <K extends keyof F>(key: K) => m.get(key) as F[K] | undefined,
    set: (key, value) => void m.set(key, value),
  };
}

/** Throws on a registry that cannot run: duplicate ids, unknown dependencies, cycles. */
export function validateChecks(checks: readonly Check<never, never>[]): void {
  const byId = new Map<string, Check<never, never>>();
  for (const c of checks) {
    if (byId.has(c.id)) throw new Error(`duplicate check id ${c.id}`);
    byId.set(c.id, c);
  }
  for (const c of checks) {
    for (const d of c.dependsOn ?? []) {
      if (!byId.has(d)) throw new Error(`check ${c.id} depends on unknown check ${d}`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Check<never, never>, path: string[]): void => {
    const s = state.get(c.id);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle: ${[...path, c.id].join(' → ')}`);
    state.set(c.id, 'visiting');
    for (const d of c.dependsOn ?? []) visit(byId.get(d) as Check<never, never>, [...path, c.id]);
    state.set(c.id, 'done');
  };
  for (const c of checks) visit(c, []);
}

/**
 * The selected checks plus everything they depend on (a dependant cannot be judged without its
 * dependencies), in registry order. `ids` may also name categories. An unknown id or category is a usage error.
 */
export function selectChecks<C extends Check<never, never>>(checks: readonly C[], sel: Selection = {}): C[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const known = new Set(checks.map((c) => c.category));
  // A category may be named where ids go (`pcsc doctor pcscd`): a check id wins if both match.
  const ids = (sel.ids ?? []).filter((id) => byId.has(id) || !known.has(id));
  const cats = [...(sel.categories ?? []), ...(sel.ids ?? []).filter((id) => !byId.has(id) && known.has(id))];
  for (const id of ids) {
    if (!byId.has(id)) throw new UsageError(`unknown check or category "${id}" (see the list with --list)`, 'ECHECK');
  }
  for (const cat of cats) {
    if (!known.has(cat)) throw new UsageError(`unknown check category "${cat}"`, 'ECHECK');
  }
  const wanted = new Set<string>();
  const add = (id: string): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) add(d);
  };
  for (const c of checks) {
    const all = ids.length === 0 && cats.length === 0;
    if (all || ids.includes(c.id) || cats.includes(c.category)) add(c.id);
  }
  return checks.filter((c) => wanted.has(c.id));
}

export function summarize(checks: CheckReport[]): RunReport {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const c of checks) summary[c.status]++;
  return { checks, summary, ok: summary.fail === 0 && summary.error === 0 };
}

/** Runs the selected checks. Rejects with SCARD_E_CANCELLED when `signal` aborts. */
export async function runChecks<F extends object, O extends object>(opts: RunOptions<F, O>): Promise<RunReport> {
  validateChecks(opts.checks);
  const selected = selectChecks(opts.checks, opts.select);
  const facts = opts.facts ?? createFacts<F>();
  const limit = limiter(Math.max(1, opts.concurrency ?? 4));
  const done = new Map<string, Promise<CheckReport>>();
  const byId = new Map(selected.map((c) => [c.id, c]));

  const schedule = (c: Check<F, O>): Promise<CheckReport> => {
    const existing = done.get(c.id);
    if (existing) return existing;
    const p = (async () => {
      const deps = await Promise.all((c.dependsOn ?? []).map((d) => schedule(byId.get(d) as Check<F, O>)));
      throwIfAborted(opts.signal);
      const report = await limit(() => runOne(c, deps, facts, opts));
      opts.onReport?.(report);
      return report;
    })();
    done.set(c.id, p);
    return p;
  };

  const reports = await Promise.all(selected.map(schedule));
  throwIfAborted(opts.signal);
  return summarize(reports);
}

async function runOne<F extends object, O extends object>(
  c: Check<F, O>,
  deps: CheckReport[],
  facts: Facts<F>,
  opts: RunOptions<F, O>,
): Promise<CheckReport> {
  const start = performance.now();
  const finish = (r: CheckResult): CheckReport => ({
    id: c.id,
    title: c.title,
    category: c.category,
    ...r,
    details: r.details ?? [],
    fix: r.fix ?? null,
    durationUs: Math.round((performance.now() - start) * 1000),
  });
  if (!c.platforms.includes(opts.probe.platform)) {
    return finish({ status: 'skip', summary: `Only on ${c.platforms.join(', ')}; this is ${opts.probe.platform}` });
  }
  const blocked = deps.find((d) => d.status !== 'pass' && d.status !== 'warn');
  if (blocked) {
    return finish({
      status: 'skip',
      summary: `Skipped: needs "${blocked.title}", which ${blocked.status === 'skip' ? 'was skipped' : blocked.status === 'fail' ? 'failed' : 'had an error'}`,
      data: { blockedBy: blocked.id },
    });
  }
  throwIfAborted(opts.signal);
  const controller = new AbortController();
  let onAbort = (): void => undefined;
  // A check that ignores its signal must not hold up Ctrl-C: the race below ends at once.
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = (): void => {
      controller.abort(opts.signal?.reason);
      reject(new PcscError(Scard.E_CANCELLED, 'diagnostics interrupted'));
    };
  });
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx: CheckContext<F, O> = {
    probe: opts.probe,
    results: new Map(deps.map((d) => [d.id, d])),
    facts,
    // Absent only where every option is optional (RunOptions), so an empty object is a valid O.
    options: opts.options ?? ({} as O),
    signal: controller.signal,
  };
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new PcscError(Scard.E_TIMEOUT, `check ${c.id} timed out`));
      resolve({
        status: 'error',
        summary: `The check did not finish within ${timeoutMs} ms`,
        details: ['Something it waits on (a program, a socket, a file system) did not answer in time.'],
      });
    }, timeoutMs);
  });
  const ran = Promise.resolve()
    .then(() => c.run(ctx))
    .then(validResult, crashed);
  try {
    const result = await Promise.race([ran, timedOut, interrupted]);
    return finish(result);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

function validResult(r: unknown): CheckResult {
  const x = r as Partial<CheckResult> | null;
  if (!x || typeof x !== 'object' || !STATUSES.includes(x.status as CheckStatus) || typeof x.summary !== 'string') {
    return { status: 'error', summary: 'The check returned an invalid result (a bug in pcsc: please report it)' };
  }
  return x as CheckResult;
}

function crashed(e: unknown): CheckResult {
  const message = e instanceof Error ? e.message : String(e);
  return {
    status: 'error',
    summary: `The check crashed: ${message}`,
    details: ['This is a bug in pcsc or an unexpected system state; please report it with the output of --json.'],
  };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new PcscError(Scard.E_CANCELLED, 'diagnostics interrupted');
}

/** At most n tasks at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
