// `npm run demo`: pcsc's real commands against a private pcscd that has a virtual reader and a
// virtual card, for a machine without a reader (or without pcscd). The test rig (test/rig/,
// docs/test-rig.md) provides the daemon and the card; the system's pcscd is never touched.
// Everything the demo starts (pcscd, the cards, the proxy, the temporary directory) goes away when
// it ends: normally, on an error, on Ctrl-C, SIGTERM or SIGHUP.
//
// Each command is printed before it runs, as a shell line to copy; one that exits non-zero is shown
// with `; echo "exit $?"` and followed by `exit N`, as the README's examples do. Exit status: 0
// when every command exited as shown, 1 when one did not (or the rig could not start), 2 for a bad
// option, 128 + N after signal N.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeStyle, useColor } from '../../src/cli/style.js';
import { ROOT } from '../../test/helpers/cli.js';
import { requireFiles } from '../../test/rig/processes.js';
import { startRig, type Rig } from '../../test/rig/rig.js';
import { DemoFailure, Session } from './session.js';
import { commandLine } from './shell.js';
import { tour } from './tour.js';

const USAGE = `usage: npm run demo [-- --keep]

Runs pcsc's commands against a private pcscd (its own socket in a temporary directory) with two
virtual readers and a virtual ISO 7816 card; the system's pcscd is not touched.

  --keep   at the end, keep the demo's pcscd and card running (to try commands in another
           terminal) until Enter, Ctrl-C or the end of stdin`;

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

function options(): { keep: boolean } | number {
  try {
    const { values } = parseArgs({ options: { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    return { keep: values.keep ?? false };
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message} (see npm run demo -- --help)\n`);
    return 2;
  }
}

/** Fails with the command that fixes it when the demo cannot run here. */
function preflight(): void {
  if (!existsSync(join(ROOT, 'dist', 'bundle', 'pcsc.cjs')))
    throw new DemoFailure('pcsc is not built: run `npm run build` (./scripts/setup.sh does)');
  // The rig checks its own programs (pcscd, python3, vpcd, vicc) when it starts.
  requireFiles({ '/usr/bin/pcsc_scan': 'pcsc-tools' });
}

async function main(): Promise<number> {
  const opts = options();
  if (typeof opts === 'number') return opts;
  const style = makeStyle(useColor(process.stdout));
  const session = new Session(style);
  let rigStarting: Promise<Rig> | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await session.close();
      const rig = await rigStarting?.catch(() => undefined);
      await rig?.stop();
    })());

  let stopping = false;
  const stopNow = (code: number, why?: string): void => {
    if (stopping) return;
    stopping = true;
    if (why) process.stderr.write(`\ndemo: ${why}: stopping the demo's pcscd, card and proxy\n`);
    void cleanup().finally(() => process.exit(code));
  };
  for (const [signal, code] of Object.entries(SIGNAL_EXIT) as [NodeJS.Signals, number][])
    process.on(signal, () => stopNow(code, signal));
  // The reader of our output went away (`npm run demo | head`): stop everything, quietly.
  process.stdout.on('error', () => stopNow(1));

  try {
    preflight();
    rigStarting = startRig({ vicc: [0], insert: [] });
    const rig = await rigStarting;
    header(session, rig);
    const listing = await session.capture({ argv: ['pcsc', 'scan', '-c', '--json'], socket: rig.socket });
    const atr = (JSON.parse(listing) as { readers: { atr?: string }[] }).readers[0]?.atr;
    if (!atr) throw new DemoFailure(`no card in ${rig.readers[0]}: ${listing.trim()}`);
    await tour(session, { socket: rig.socket, dir: rig.dir, atr });
    session.print();
    session.print(style.bold('# Done: every command exited as shown.'));
    if (opts.keep) await keepRunning(session, rig.socket);
    await cleanup();
    session.print(`The demo's pcscd, card and proxy are stopped; ${rig.dir} is removed.`);
    session.print(
      'With a reader of your own: ./bin/run.js scan -r (./scripts/setup.sh starts pcscd when it is not running).',
    );
    if (!opts.keep) session.print('To try the commands yourself while the demo runs: npm run demo -- --keep');
    return 0;
  } catch (e) {
    if (stopping) return new Promise<number>(() => undefined); // the signal's handler exits
    const message = e instanceof DemoFailure ? e.message : ((e as Error).message ?? String(e));
    process.stderr.write(`demo: ${message}\n`);
    await cleanup();
    return 1;
  }
}

function header(s: Session, rig: Rig): void {
  s.print("pcsc demo: pcsc's commands against a private pcscd with two virtual readers (vpcd) and a");
  s.print("virtual ISO 7816 card (Debian's vicc) in the first. The system's pcscd, if any, is not touched.");
  s.print(`  pcscd:  /usr/sbin/pcscd, pid ${rig.pcscdPid}, socket ${rig.socket}`);
  s.print("  pcsc:   this checkout's ./bin/run.js (`npm link` puts pcsc on your PATH)");
  s.print('Each command is printed before it runs, ready to copy.');
}

/** --keep: everything stays up until Enter (on a terminal), the end of stdin, or a signal. */
async function keepRunning(s: Session, socket: string): Promise<void> {
  const tty = Boolean(process.stdin.isTTY);
  s.print();
  s.print("The demo's pcscd and card keep running: try commands in another terminal, e.g.");
  s.print(`  $ ${commandLine({ argv: ['pcsc', 'apdu', '0084000008'], socket })}`);
  s.print(tty ? 'Press Enter to stop them.' : 'They stop at the end of stdin (or on SIGTERM).');
  await new Promise<void>((resolve) => {
    process.stdin.once(tty ? 'data' : 'end', () => resolve());
    process.stdin.once('error', () => resolve());
    process.stdin.resume();
  });
  process.stdin.pause();
}

process.exit(await main());
