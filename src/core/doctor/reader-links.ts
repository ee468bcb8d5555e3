// Each of pcscd's readers tied to its USB device (the driver's USB path, SCardControl 3601, else the
// name's fallbacks: src/core/udev/reader-link.ts), for pcscd.readers and `pcsc udev-check`.

import { PcscError, Scard } from '../errors.js';
import { PcscdContext } from '../pcscd/context.js';
import { readerUsbPathAt, type UsbPathAnswer } from '../pcsc/usb-path.js';
import type { SystemProbe } from '../system/types.js';
import { linkReaders, type ReaderLink } from '../udev/reader-link.js';

/** How long one reader's question may wait (pcscd holds a connect while another program's transaction lasts). */
const WAIT_MS = 5000;

/** `names` (pcscd's readers on `socket`, a path on this machine) tied to the probe's USB devices. */
export async function readerLinks(
  probe: SystemProbe,
  socket: string,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<ReaderLink[]> {
  const answers = await Promise.all(
    names.map((n) => readerUsbPathAt(socket, n, { timeoutMs: WAIT_MS, ...(signal ? { signal } : {}) })),
  );
  return linkReaders(
    probe,
    names.map((name, i) => {
      const a = answers[i] as UsbPathAnswer;
      return 'usbPath' in a ? { name, usbPath: a.usbPath } : { name, unavailable: a.unavailable };
    }),
  );
}

/** Lists pcscd's readers and ties each to its device; undefined when no daemon answers. */
export async function pcscdReaderLinks(
  probe: SystemProbe,
  socket: string,
  signal?: AbortSignal,
): Promise<ReaderLink[] | undefined> {
  let c: PcscdContext | undefined;
  try {
    c = await PcscdContext.establish({ socket, env: {}, requestTimeout: WAIT_MS });
    const names = (await c.listReaders()).filter(Boolean);
    return await readerLinks(probe, socket, names, signal);
  } catch (e) {
    if (e instanceof PcscError && e.code !== Scard.E_CANCELLED) return undefined;
    throw e;
  } finally {
    await c?.release().catch(() => undefined);
  }
}
