// node-pcsclite's PCSCLite on the library's API: lists the readers, waits on pcscd's PnP
// notification for the list to change, and emits `reader` for each new one (removed ones are
// closed: they emit `end`). Behaviour measured against @pokusew/pcsclite 0.6: docs/node-pcsclite.md.

import { EventEmitter } from 'node:events';
import {
  Context,
  isPcscError,
  PNP_NOTIFICATION,
  Scard,
  StateFlag,
  type Context as ContextType,
  type EstablishOptions,
} from '../index.js';
import { CardReader } from './card-reader.js';
import { callError, waitLost } from './messages.js';

/** How long to wait between attempts while pcscd is not running (node-pcsclite waits for it too). */
const NO_SERVICE_RETRY_MS = 1000;
/** Reader-list polling period where pcscd has no PnP notification (as node-pcsclite). */
const POLL_MS = 1000;
/** How long the readers get to end before PCSCLite reports the error that stopped it. */
const READERS_END_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when every reader has ended, or after ms; its timer never keeps the process alive. */
function readersEnded(readers: CardReader[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void Promise.all(readers.map((r) => r.ended)).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class PCSCLite extends EventEmitter {
  /** The readers present, by name; updated as readers come and go. */
  readonly readers: Record<string, CardReader> = {};
  private readonly options: EstablishOptions;
  private context: ContextType | null = null;
  private closing = false;
  private waiting = false;

  constructor(options: EstablishOptions = {}) {
    super();
    this.options = { backend: 'pcscd', ...options };
    // After the caller's first tick, so that its listeners are in place (node-pcsclite does the same).
    // An `error` nobody listens to ends the process, as with node-pcsclite.
    process.nextTick(() => void this.run());
  }

  /** Stops watching for readers (the readers themselves go on until their own close()). */
  close(): number {
    if (this.closing) return 0;
    this.closing = true;
    if (this.waiting && this.context) void this.context.cancel().catch(() => undefined);
    return 0;
  }

  private establish(): Promise<ContextType> {
    return Context.establish(this.options);
  }

  /** A context, once pcscd answers; null when closed first. */
  private async connectDaemon(): Promise<ContextType | null> {
    for (;;) {
      if (this.closing) return null;
      try {
        return await this.establish();
      } catch (e) {
        if (!isPcscError(e, Scard.E_NO_SERVICE) && !isPcscError(e, Scard.E_SERVICE_STOPPED)) throw e;
      }
      await sleep(NO_SERVICE_RETRY_MS);
    }
  }

  private async run(): Promise<void> {
    let ctx: ContextType | null;
    try {
      ctx = await this.connectDaemon();
    } catch (e) {
      this.emit('error', callError('SCardEstablishContext', e));
      return;
    }
    if (!ctx) return;
    this.context = ctx;
    let error: Error | null = null;
    try {
      error = await this.watch(ctx);
    } finally {
      this.context = null;
      void ctx.release().catch(() => undefined);
    }
    if (!error) return;
    // pcscd went away: every reader fails too; they end first, then PCSCLite says why it stopped.
    if (!this.closing) await readersEnded(Object.values(this.readers), READERS_END_MS);
    this.emit('error', error);
  }

  /** Follows the reader list until closed (null) or an error (returned, to be emitted). */
  private async watch(ctx: ContextType): Promise<Error | null> {
    let pnpState = 0;
    let pnp = true;
    try {
      const [s] = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION }], { timeout: 0 });
      pnpState = s?.eventState ?? 0;
      pnp = (pnpState & StateFlag.UNKNOWN) === 0;
    } catch (e) {
      if (!isPcscError(e, Scard.E_TIMEOUT)) return callError('SCardGetStatusChange', e);
    }
    while (!this.closing) {
      let names: string[];
      try {
        names = await ctx.listReaders();
      } catch (e) {
        if (!isPcscError(e, Scard.E_NO_READERS_AVAILABLE))
          return this.closing ? null : callError('SCardListReaders', waitLost(e));
        names = [];
      }
      if (this.closing) return null;
      await this.update(names);
      if (this.closing) return null;
      if (!pnp) {
        await sleep(POLL_MS);
        continue;
      }
      try {
        this.waiting = true;
        const [s] = await ctx.getStatusChange([{ reader: PNP_NOTIFICATION, currentState: pnpState }]);
        pnpState = s?.eventState ?? pnpState;
      } catch (e) {
        // close() during the wait: node-pcsclite reports the cancelled wait as an error too.
        return callError('SCardGetStatusChange', waitLost(e));
      } finally {
        this.waiting = false;
      }
    }
    return null;
  }

  private async update(names: string[]): Promise<void> {
    const known = Object.keys(this.readers);
    const added = names
      .filter((n) => !known.includes(n))
      .map(
        (name) =>
          new CardReader(name, {
            establish: () => this.establish(),
            ended: (r) => {
              if (this.readers[name] === r) delete this.readers[name];
            },
          }),
      );
    await Promise.all(added.map((r) => r.open()));
    for (const reader of added) {
      this.readers[reader.name] = reader;
      reader.start();
      this.emit('reader', reader);
    }
    for (const name of known.filter((n) => !names.includes(n))) this.readers[name]?.removed();
  }
}

/** node-pcsclite's factory: `const pcsc = pcsclite()`. Options (not in node-pcsclite) pick the socket. */
export function pcsclite(options?: EstablishOptions): PCSCLite {
  return new PCSCLite(options);
}
