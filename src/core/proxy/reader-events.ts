// A stand-in for the daemon-wide reader add/remove counter of protocol 4:5 (docs/protocol.md#event-counters,
// docs/protocol.md#history), for clients that ask CMD_GET_READER_EVENTS of a daemon that lacks it: the reader
// set is looked at each time the counter is asked for, and every reader that appeared or vanished since
// counts one.

/** The daemon's counter lives in an int16 and restarts at 1; keep the same range. */
const MAX = 0x7fff;

export class ReaderEventCounter {
  private count = 1;
  private names: ReadonlySet<string> | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  /** The counter after a fresh look at the readers. Looks are serialised so they count in time order. */
  current(fetchNames: () => Promise<readonly string[]>): Promise<number> {
    const run = this.chain.then(async () => {
      this.observe(await fetchNames());
      return this.count;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Counts the readers that appeared or vanished since the last look. */
  observe(names: readonly string[]): void {
    const now = new Set(names);
    const before = this.names;
    this.names = now;
    if (!before) return;
    let changes = 0;
    for (const n of now) if (!before.has(n)) changes++;
    for (const n of before) if (!now.has(n)) changes++;
    for (let i = 0; i < changes; i++) this.count = this.count >= MAX ? 1 : this.count + 1;
  }

  get value(): number {
    return this.count;
  }
}
