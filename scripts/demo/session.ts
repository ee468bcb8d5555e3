// The demo's terminal session: prints each command before it runs it, shows a non-zero exit the
// way a shell would (`; echo "exit $?"` … `exit 1`), fails when a command exits otherwise than
// shown, and keeps track of what runs so that everything can be stopped at any moment.

import type { Style } from '../../src/cli/style.js';
import { commandLine, shownLine, start, stop, type Command, type Output, type Started } from './shell.js';

/** A command gets this long before the demo gives up on it (the machine may be busy). */
const STEP_MS = 60_000;

export class DemoFailure extends Error {}

export class Session {
  private readonly running = new Set<Started>();
  private closed = false;

  constructor(private readonly style: Style) {}

  print(line = ''): void {
    process.stdout.write(line + '\n');
  }

  /** Comment lines before a group of commands: `# what comes next`. */
  say(...lines: string[]): void {
    this.print();
    for (const l of lines) this.print(this.style.bold(`# ${l}`));
  }

  /** Prints the command, runs it to its end and checks that it exited with `exit`. */
  async run(c: Command, exit = 0): Promise<void> {
    this.print(this.style.cyan(shownLine(c, exit)));
    const code = await this.finish(c, this.begin(c, { stdout: 'inherit', stderr: 'inherit' }));
    this.check(code, exit, commandLine(c));
    if (exit !== 0) this.print(`exit ${code}`);
  }

  /** Runs the command without showing it, and returns its stdout (it must exit 0). */
  async capture(c: Command): Promise<string> {
    const s = this.begin(c, { stdout: 'pipe', stderr: 'inherit' });
    let out = '';
    s.child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    this.check(await this.finish(c, s), 0, commandLine(c));
    return out;
  }

  /**
   * Prints `$ … &` and starts the command in the background; resolves once a line of its stderr
   * matches `ready` (its stderr is passed through to ours as it comes).
   */
  async background(c: Command, ready: RegExp): Promise<Started> {
    this.print(this.style.cyan(`$ ${commandLine(c)} &`));
    const s = this.begin(c, { stdout: 'inherit', stderr: 'pipe' });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new DemoFailure(`${commandLine(c)}: ${why}`));
      };
      const timer = setTimeout(() => fail(`not ready within ${STEP_MS / 1000} s`), STEP_MS);
      s.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        process.stderr.write(chunk);
        seen += chunk;
        if (ready.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void s.exited.then((code) => fail(`exited ${code} before it was ready`));
    });
    return s;
  }

  /** `kill %1; wait %1`: stops a background command with SIGTERM and checks that it exited 0. */
  async stopBackground(s: Started, shown: Command): Promise<void> {
    this.print(this.style.cyan('$ kill %1; wait %1'));
    const code = await stop(s);
    this.running.delete(s);
    this.check(code, 0, `${commandLine(shown)} (stopped with SIGTERM)`);
  }

  /** Stops whatever still runs (Ctrl-C, an error); nothing starts after this. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running].map((s) => stop(s)));
    this.running.clear();
  }

  private begin(c: Command, out: Output): Started {
    if (this.closed) throw new DemoFailure('stopping');
    const s = start(c, out);
    this.running.add(s);
    return s;
  }

  /** Waits for the command's end, bounded: after STEP_MS it is stopped and the demo fails. */
  private async finish(c: Command, s: Started): Promise<number> {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      void stop(s);
    }, STEP_MS);
    const code = await s.exited;
    clearTimeout(timer);
    this.running.delete(s);
    if (late) throw new DemoFailure(`${commandLine(c)} did not finish within ${STEP_MS / 1000} s`);
    return code;
  }

  private check(code: number, expected: number, what: string): void {
    if (this.closed) throw new DemoFailure('stopping');
    if (code !== expected) throw new DemoFailure(`${what} exited ${code} (expected ${expected})`);
  }
}
