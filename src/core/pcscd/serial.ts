// One exchange at a time on a pcscd connection (docs/protocol.md#connections: strict request/reply, no
// pipelining): a FIFO lock that starts the first caller at once, without a microtask hop (transmit is a hot
// path).

export class SerialQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  /**
   * Runs fn once every earlier fn has settled; settles as fn does. `onError` sees a rejection
   * before the caller does (and before the next fn starts).
   */
  run<T>(fn: () => Promise<T>, onError?: (e: unknown) => void): Promise<T> {
    if (!this.busy) return this.hold(fn, onError);
    return new Promise<void>((start) => this.waiting.push(start)).then(() => this.hold(fn, onError));
  }

  private hold<T>(fn: () => Promise<T>, onError: ((e: unknown) => void) | undefined): Promise<T> {
    this.busy = true;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (e) {
      p = Promise.reject(e);
    }
    const next = (): void => {
      const start = this.waiting.shift();
      if (start)
        start(); // stays busy: the next fn is about to run
      else this.busy = false;
    };
    p.then(next, (e: unknown) => {
      onError?.(e);
      next();
    });
    return p;
  }
}
