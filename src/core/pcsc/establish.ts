// Context.establish(): picks a backend. `auto` is pcscd when it answers, the USB backend otherwise.

import { PcscdContext, type PcscdContextOptions } from '../pcscd/context.js';
import { PcscError, Scard, UsageError } from '../errors.js';
import type { BackendName, Context } from '../scard/types.js';

/** Options of Context.establish: the backend (default auto), pcscd's socket and the bounds on its replies. */
export interface EstablishOptions extends PcscdContextOptions {
  backend?: BackendName | 'auto';
}

export type BackendFactory = (opts: EstablishOptions) => Promise<Context>;

const factories = new Map<BackendName, BackendFactory>([['pcscd', (o) => PcscdContext.establish(o)]]);

export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

// The USB backend loads its modules (and the native `usb` package) only when chosen.
registerBackend('usb', async () => (await import('../ccid/context.js')).UsbContext.establish());

function factory(name: BackendName): BackendFactory {
  const f = factories.get(name);
  if (!f) throw new UsageError(`the ${name} backend is not available in this build`, 'EBACKEND');
  return f;
}

/** Context.establish (documented in index.ts): pcscd, the USB backend, or auto. */
export async function establishContext(opts: EstablishOptions = {}): Promise<Context> {
  if (opts.backend !== undefined && opts.backend !== 'auto') return factory(opts.backend)(opts);
  try {
    return await factory('pcscd')(opts);
  } catch (e) {
    // Only "nobody listens" at the default socket falls back: a daemon that answers and refuses
    // is the answer, and a socket the user named (--socket, PCSCLITE_CSOCK_NAME) means pcscd.
    const named = opts.socket !== undefined || (opts.env ?? process.env).PCSCLITE_CSOCK_NAME !== undefined;
    if (!(e instanceof PcscError && e.code === Scard.E_NO_SERVICE) || named || !factories.has('usb')) throw e;
    const why = `pcscd is not running (${e.detail ?? 'no socket'})`;
    let usb: Context;
    try {
      usb = await factory('usb')(opts);
    } catch (usbErr) {
      throw new PcscError(
        Scard.E_NO_SERVICE,
        `${e.detail ?? 'pcscd is not running'}; the USB backend is not available either: ${usbErr instanceof Error ? usbErr.message : String(usbErr)}`,
        { cause: e },
      );
    }
    // Neither pcscd nor a USB reader: the answer is "no service", not an empty reader list or a wait forever.
    const readers = await usb.listReaders().catch(() => []);
    if (readers.length === 0) {
      await usb.release().catch(() => undefined);
      throw new PcscError(Scard.E_NO_SERVICE, `${e.detail ?? 'no pcscd'}, and no USB reader is plugged in`, {
        cause: e,
      });
    }
    usb.info.fallback = `${why}; using USB readers directly`;
    return usb;
  }
}
