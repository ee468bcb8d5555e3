import { describe, expect, it } from 'vitest';
import { runChecks, selectChecks, validateChecks } from '../../../src/core/engine/engine.js';
import { createProbe } from '../../../src/core/system/probe.js';
import type { Check, CheckContext, CheckResult } from '../../../src/core/engine/types.js';
import { PcscError, UsageError } from '../../../src/core/errors.js';

const probe = createProbe({ root: '/nonexistent-root', platform: 'linux', env: {} });

function check(id: string, result: CheckResult | (() => Promise<CheckResult>), extra: Partial<Check> = {}): Check {
  return {
    id,
    title: `title of ${id}`,
    category: extra.category ?? 'test',
    platforms: ['linux'],
    run: typeof result === 'function' ? result : async () => result,
    ...extra,
  };
}

const pass: CheckResult = { status: 'pass', summary: 'fine' };
const fail: CheckResult = { status: 'fail', summary: 'broken', fix: { text: 'mend it', commands: ['mend'] } };

describe('doctor engine', () => {
  it('runs checks in registry order and sums them up', async () => {
    const r = await runChecks({
      probe,
      checks: [check('a', pass), check('b', fail), check('c', { status: 'warn', summary: 'meh' })],
    });
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['a', 'pass'],
      ['b', 'fail'],
      ['c', 'warn'],
    ]);
    expect(r.summary).toEqual({ pass: 1, warn: 1, fail: 1, skip: 0, error: 0 });
    expect(r.ok).toBe(false);
    expect(r.checks[1]?.fix?.commands).toEqual(['mend']);
    expect(r.checks[0]?.title).toBe('title of a');
    expect(typeof r.checks[0]?.durationUs).toBe('number');
  });

  it('is ok with warnings and skips only', async () => {
    const r = await runChecks({
      probe,
      checks: [check('a', { status: 'warn', summary: 'w' }), check('b', { status: 'skip', summary: 's' })],
    });
    expect(r.ok).toBe(true);
  });

  it('skips the dependants of a failed, skipped or crashed check, and runs those of a warning', async () => {
    const r = await runChecks({
      probe,
      checks: [
        check('bad', fail),
        check('child', pass, { dependsOn: ['bad'] }),
        check('grandchild', pass, { dependsOn: ['child'] }),
        check('warned', { status: 'warn', summary: 'w' }),
        check('after-warn', pass, { dependsOn: ['warned'] }),
        check('boom', async () => {
          throw new Error('kaput');
        }),
        check('after-boom', pass, { dependsOn: ['boom'] }),
      ],
    });
    const by = new Map(r.checks.map((c) => [c.id, c]));
    expect(by.get('child')?.status).toBe('skip');
    expect(by.get('child')?.summary).toContain('"title of bad", which failed');
    expect(by.get('child')?.data).toEqual({ blockedBy: 'bad' });
    expect(by.get('grandchild')?.status).toBe('skip');
    expect(by.get('grandchild')?.summary).toContain('was skipped');
    expect(by.get('after-warn')?.status).toBe('pass');
    expect(by.get('boom')?.status).toBe('error');
    expect(by.get('boom')?.summary).toContain('kaput');
    expect(by.get('after-boom')?.summary).toContain('had an error');
  });

  it('hands dependants the results and facts of their dependencies', async () => {
    let seen: unknown;
    const r = await runChecks({
      probe,
      options: { socket: '/x' },
      checks: [
        check('dep', async () => pass),
        {
          ...check('user', pass, { dependsOn: ['dep'] }),
          run: async (ctx: CheckContext) => {
            seen = [ctx.results.get('dep')?.status, ctx.facts.get('k'), ctx.options.socket];
            return pass;
          },
        },
        {
          ...check('setter', pass),
          run: async (ctx: CheckContext) => {
            ctx.facts.set('k', 42);
            return pass;
          },
        },
      ].map((c) => (c.id === 'user' ? { ...c, dependsOn: ['dep', 'setter'] } : c)),
    });
    expect(r.ok).toBe(true);
    expect(seen).toEqual(['pass', 42, '/x']);
  });

  it('turns an overrun into an error and aborts the check', async () => {
    let aborted = false;
    const slow: Check = {
      ...check('slow', pass, { timeoutMs: 50 }),
      run: (ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve(pass);
          });
        }),
    };
    const r = await runChecks({ probe, checks: [slow, check('next', pass, { dependsOn: ['slow'] })] });
    expect(r.checks[0]?.status).toBe('error');
    expect(r.checks[0]?.summary).toContain('50 ms');
    expect(aborted).toBe(true);
    expect(r.checks[1]?.status).toBe('skip');
  });

  it('treats a malformed result as an error', async () => {
    const r = await runChecks({
      probe,
      checks: [check('odd', async () => ({ status: 'great' }) as unknown as CheckResult)],
    });
    expect(r.checks[0]?.status).toBe('error');
  });

  it('skips checks for another platform', async () => {
    const r = await runChecks({ probe, checks: [check('mac', pass, { platforms: ['darwin'] })] });
    expect(r.checks[0]?.status).toBe('skip');
    expect(r.checks[0]?.summary).toBe('Only on darwin; this is linux');
  });

  it('rejects with SCARD_E_CANCELLED when the signal aborts, even if a check ignores it', async () => {
    const ac = new AbortController();
    const stuck = check('stuck', () => new Promise<CheckResult>(() => undefined), { timeoutMs: 60_000 });
    const run = runChecks({ probe, checks: [stuck], signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    const e = await run.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).scardName).toBe('SCARD_E_CANCELLED');
  });

  it('reports each check as it finishes', async () => {
    const seen: string[] = [];
    await runChecks({
      probe,
      checks: [check('a', pass), check('b', pass, { dependsOn: ['a'] })],
      onReport: (r) => seen.push(r.id),
    });
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs more checks at once than the limit', async () => {
    let active = 0;
    let peak = 0;
    const mk = (id: string): Check =>
      check(id, async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return pass;
      });
    await runChecks({ probe, checks: ['a', 'b', 'c', 'd', 'e', 'f'].map(mk), concurrency: 2 });
    expect(peak).toBe(2);
  });
});

describe('selecting checks', () => {
  const reg = [
    check('pcscd.installed', pass, { category: 'pcscd' }),
    check('pcscd.socket', pass, { category: 'pcscd', dependsOn: ['pcscd.installed'] }),
    check('udev.node', pass, { category: 'udev', dependsOn: ['usb.readers'] }),
    check('usb.readers', pass, { category: 'usb' }),
    check('ssh.agent', pass, { category: 'ssh' }),
  ];
  it('takes everything by default', () => {
    expect(selectChecks(reg).map((c) => c.id)).toHaveLength(5);
  });
  it('filters by id and pulls in dependencies, in registry order', () => {
    expect(selectChecks(reg, { ids: ['pcscd.socket'] }).map((c) => c.id)).toEqual(['pcscd.installed', 'pcscd.socket']);
  });
  it('filters by category', () => {
    expect(selectChecks(reg, { categories: ['udev'] }).map((c) => c.id)).toEqual(['udev.node', 'usb.readers']);
    expect(selectChecks(reg, { categories: ['ssh'] }).map((c) => c.id)).toEqual(['ssh.agent']);
  });
  it('takes a category named where ids go (`pcsc doctor pcscd`), with ids alongside', () => {
    expect(selectChecks(reg, { ids: ['ssh'] }).map((c) => c.id)).toEqual(['ssh.agent']);
    expect(selectChecks(reg, { ids: ['pcscd', 'usb.readers'] }).map((c) => c.id)).toEqual([
      'pcscd.installed',
      'pcscd.socket',
      'usb.readers',
    ]);
  });
  it('refuses unknown ids and categories as usage errors', () => {
    expect(() => selectChecks(reg, { ids: ['nope'] })).toThrow(/unknown check or category "nope"/);
    expect(() => selectChecks(reg, { ids: ['nope'] })).toThrow(UsageError);
    expect(() => selectChecks(reg, { categories: ['nope'] })).toThrow(/unknown check category "nope"/);
  });
  it('refuses broken registries', () => {
    expect(() => validateChecks([check('a', pass), check('a', pass)])).toThrow(/duplicate/);
    expect(() => validateChecks([check('a', pass, { dependsOn: ['z'] })])).toThrow(/unknown check z/);
    expect(() =>
      validateChecks([check('a', pass, { dependsOn: ['b'] }), check('b', pass, { dependsOn: ['a'] })]),
    ).toThrow(/cycle/);
  });
});
