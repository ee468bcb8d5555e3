// `npm run demo` (scripts/demo/), end to end as a user runs it: every command it prints is run
// again from the printed line, by bash, against the demo's still-running pcscd (--keep), and must
// exit as shown and print what the demo showed. Afterwards nothing the demo started runs and its
// temporary directory is gone, also after SIGINT or SIGTERM in the middle.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, requireBuild, ROOT } from '../helpers/cli.js';
import { processTree, stillRunning, type ProcInfo } from '../helpers/proc-tree.js';
import { startProcess, type Proc } from '../rig/processes.js';

const WAIT_MS = 90_000;
/** What `npm run demo` runs (package.json), started here without npm to signal the demo itself. */
const DEMO_SCRIPT = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { demo: string } })
  .scripts.demo;

let scratch = '';
let env: NodeJS.ProcessEnv = {};
const started: Proc[] = [];
/** Every process seen under a demo: killed after each test if still there (a failed test leaves nothing). */
const seen: ProcInfo[] = [];

beforeAll(() => {
  requireBuild();
  scratch = mkdtempSync(join(tmpdir(), 'pcsc-demo-test-'));
  // `pcsc` on PATH, as after `npm link`: the printed lines then run exactly as printed.
  mkdirSync(join(scratch, 'bin'));
  writeFileSync(join(scratch, 'bin', 'pcsc'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(join(scratch, 'bin', 'pcsc'), 0o755);
  env = cliEnv({ ...process.env, PATH: `${join(scratch, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' });
});

// After a failed test: the demo gets SIGTERM (and time to clean up), then whatever is left SIGKILL.
afterEach(async () => {
  await Promise.all(
    started.splice(0).map(async (p) => {
      p.child.kill('SIGTERM');
      await exitCode(p).catch(() => undefined);
    }),
  );
  for (const p of stillRunning(seen.splice(0))) process.kill(p.pid, 'SIGKILL');
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Starts `command` from the checkout with stdout and stderr in one pipe, in order (as on a terminal). */
function startDemo(command: string): Proc {
  const p = startProcess('bash', ['-c', `exec ${command} 2>&1`], { stdin: true, env, cwd: ROOT });
  started.push(p);
  return p;
}

/** The demo's temporary directory, from the socket its header names. */
function demoDir(lines: string[]): string {
  const m = lines.map((l) => /socket (\/\S+\/pcscd\.comm)$/.exec(l)).find(Boolean);
  if (!m?.[1]) throw new Error(`the demo's header names no socket:\n${lines.join('\n')}`);
  return dirname(m[1]);
}

/** What ran under the demo now: its rig must be among it. */
function snapshot(p: Proc): ProcInfo[] {
  const tree = processTree(p.pid);
  seen.push(...tree);
  const cmds = tree.map((t) => t.cmdline);
  for (const part of [/^\/usr\/sbin\/pcscd /, /card\.py /, /vicc-launch\.py /])
    expect(
      cmds.some((c) => part.test(c)),
      `${part} among\n${cmds.join('\n')}`,
    ).toBe(true);
  return tree;
}

/** `promise`, or an error naming `what` after WAIT_MS. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The exit code once the process has exited (not waiting for its output pipe: a child left behind may hold it). */
function exitCode(p: Proc): Promise<number | null> {
  const { child } = p;
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return within(`${child.spawnargs.join(' ')} exiting`, exited);
}

interface Shown {
  command: string;
  output: string[];
}

/** The `$ command` lines of the transcript, each with the lines printed after it (`# ` lines end a block). */
function shownCommands(lines: string[]): Shown[] {
  const steps: Shown[] = [];
  let cur: Shown | null = null;
  for (const l of lines) {
    if (l.startsWith('$ ')) steps.push((cur = { command: l.slice(2), output: [] }));
    else if (l.startsWith('# ')) cur = null;
    else cur?.output.push(l);
  }
  for (const s of steps) while (s.output.at(-1) === '') s.output.pop();
  return steps;
}

/** The proxy writes these from the background, whenever it gets to it: compared apart. */
const PROXY_NOTE = /^pcsc: (listening on|point clients at it|stopped after) /;

/** Output as compared: without the proxy's notes, GET CHALLENGE's random bytes masked. */
function comparable(output: string[]): string[] {
  return output
    .filter((l) => !PROXY_NOTE.test(l))
    .map((l, i, all) => (all[i - 1] === '> 00 84 00 00 08' ? l.replace(/^< (?:[0-9A-F]{2} ){8}/, '< (8 bytes) ') : l));
}

/** Runs the lines in one bash, as pasted into a terminal (a background proxy gets time to listen). */
async function replay(commands: string[]): Promise<{ status: number; output: string[] }[]> {
  const script = ['exec 2>&1'];
  commands.forEach((c, i) => {
    script.push(`echo "@@ ${i}"`, c, 'echo "@@ status $?"');
    const listen = /--listen (\S+) &$/.exec(c)?.[1];
    if (listen) script.push(`for _ in $(seq 400); do [ -S ${listen} ] && break; sleep 0.05; done`);
  });
  const p = startProcess('bash', ['--norc', '--noprofile', '-c', script.join('\n')], { env, cwd: scratch });
  started.push(p);
  await within('bash running the printed lines', p.exited);
  const results: { status: number; output: string[] }[] = [];
  for (const l of p.lines) {
    const status = /^@@ status (\d+)$/.exec(l)?.[1];
    if (/^@@ \d+$/.test(l)) results.push({ status: -1, output: [] });
    else if (status !== undefined && results.length) results[results.length - 1]!.status = Number(status);
    else results.at(-1)?.output.push(l);
  }
  for (const r of results) while (r.output.at(-1) === '') r.output.pop();
  return results;
}

describe('npm run demo', () => {
  it(
    'runs every command it prints, each exiting as shown; nothing is left afterwards',
    { timeout: 240_000 },
    async () => {
      const demo = startDemo('npm run --silent demo -- --keep');
      await demo.waitLine(/^They stop at the end of stdin/, 0, WAIT_MS, 'the demo waiting (--keep)');
      const tree = snapshot(demo);
      const dir = demoDir(demo.lines);
      expect(existsSync(dir)).toBe(true);

      const shown = shownCommands(demo.lines);
      const commands = shown.map((s) => s.command);
      // What the issue asks the demo to show.
      for (const want of [
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc scan -c$/,
        /^pcsc atr [0-9A-F]+$/,
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc apdu 00A4\S+ 0084000008$/,
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc apdu \S+=9000; echo "exit \$\?"$/,
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc doctor pcscd$/,
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc proxy --listen \S+ &$/,
        /^PCSCLITE_CSOCK_NAME=\S+ pcsc_scan -r$/,
        /^kill %1; wait %1$/,
      ])
        expect(
          commands.some((c) => want.test(c)),
          `${want} among\n${commands.join('\n')}`,
        ).toBe(true);
      const failing = shown.find((s) => s.command.endsWith('; echo "exit $?"'));
      expect(failing?.output.at(-1)).toBe('exit 1');

      // The same lines again, from the text the demo printed, while its pcscd still runs.
      const example = demo.lines.map((l) => /^ {2}\$ (.*)$/.exec(l)?.[1]).find(Boolean) as string;
      const again = await replay([...commands, example]);
      expect(again).toHaveLength(commands.length + 1);
      shown.forEach((s, i) => {
        const r = again[i] as { status: number; output: string[] };
        const where = `$ ${s.command}\n--- the demo showed\n${s.output.join('\n')}\n--- bash printed\n${r.output.join('\n')}`;
        expect(r.status, where).toBe(0); // a non-zero exit is in the output ("exit 1"), as shown
        expect(comparable(r.output), where).toEqual(comparable(s.output));
      });
      expect(again.at(-1)?.status, `$ ${example}\n${again.at(-1)?.output.join('\n')}`).toBe(0);
      const proxyNotes = (out: string[]): string[] =>
        out.filter((l) => PROXY_NOTE.test(l)).map((l) => l.split(' ')[1]!);
      expect(proxyNotes(demo.lines)).toEqual(['listening', 'point', 'stopped']);
      expect(proxyNotes(again.flatMap((r) => r.output))).toEqual(['listening', 'point', 'stopped']);

      // The README's excerpt of the demo: its comment lines and commands are the demo's.
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const excerpt = /^\$ npm run --silent demo\n([\s\S]*?)\n```/m.exec(readme)?.[1]?.split('\n') ?? [];
      const sameShape = (l: string): string => l.replace(/\/tmp\/pcsc-rig-\w+\//g, '/tmp/pcsc-rig-X/');
      const fromDemo = new Set(demo.lines.map(sameShape));
      const shownInReadme = excerpt.filter((l) => /^[#$] /.test(l));
      expect(shownInReadme.length).toBeGreaterThan(0);
      expect(shownInReadme.filter((l) => !fromDemo.has(sameShape(l)))).toEqual([]);

      demo.child.stdin?.end(); // --keep ends with stdin
      expect(await exitCode(demo), demo.lines.join('\n')).toBe(0);
      expect(demo.lines).toContain(`The demo's pcscd, card and proxy are stopped; ${dir} is removed.`);
      expect(stillRunning(tree)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    },
  );

  it('stops everything it started on SIGINT in the middle of the tour, exit 130', { timeout: 180_000 }, async () => {
    const demo = startDemo(DEMO_SCRIPT);
    await demo.waitLine(/^pcsc: listening on /, 0, WAIT_MS, "the demo's proxy listening");
    const tree = snapshot(demo);
    const dir = demoDir(demo.lines);
    demo.child.kill('SIGINT');
    expect(await exitCode(demo), demo.lines.join('\n')).toBe(130);
    expect(demo.lines).toContain("demo: SIGINT: stopping the demo's pcscd, card and proxy");
    expect(stillRunning(tree)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('stops everything after an error (its pcscd killed under it), exit 1', { timeout: 180_000 }, async () => {
    const demo = startDemo(DEMO_SCRIPT);
    await demo.waitLine(/^pcsc demo: /, 0, WAIT_MS, "the demo's header");
    const tree = snapshot(demo);
    const pcscd = tree.find((t) => t.cmdline.startsWith('/usr/sbin/pcscd '))!;
    process.kill(pcscd.pid, 'SIGKILL');
    expect(await exitCode(demo), demo.lines.join('\n')).toBe(1);
    // The next command that needs pcscd exits 3 (service not available) where the demo expected 0.
    expect(demo.lines.filter((l) => l.startsWith('demo: '))).toEqual([
      expect.stringMatching(/^demo: PCSCLITE_CSOCK_NAME=\S+ pcsc \S+.* exited 3 \(expected 0\)$/),
    ]);
    expect(stillRunning(tree)).toEqual([]);
    expect(existsSync(demoDir(demo.lines))).toBe(false);
  });

  it('stops everything on SIGTERM while it keeps running (--keep), exit 143', { timeout: 180_000 }, async () => {
    const demo = startDemo(`${DEMO_SCRIPT} --keep`);
    await demo.waitLine(/^They stop at the end of stdin/, 0, WAIT_MS, 'the demo waiting (--keep)');
    const tree = snapshot(demo);
    const dir = demoDir(demo.lines);
    demo.child.kill('SIGTERM');
    expect(await exitCode(demo), demo.lines.join('\n')).toBe(143);
    expect(stillRunning(tree)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
