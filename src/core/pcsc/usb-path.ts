// A reader's USB path from its driver: libccid 1.7.1 and later answer SCardControl with
// SCARD_CTL_CODE(3601) by the port path of the reader's USB interface, as Linux names it in sysfs
// ("1-1.3.2:1.0": bus 1, ports 1.3.2, configuration 1, interface 0), a NUL-terminated ASCII string.
// It ties a pcscd reader name to one USB device even when several readers share a VID:PID.
// Drivers without it (libccid before 1.7.1, vendor drivers, vpcd) fail the control call; callers
// then fall back to VID:PID and say so (docs/doctor.md#several-identical-readers).

import { isPcscError, Scard, scardName } from '../errors.js';
import { toHex } from '../bytes/hex.js';
import { ctlCode } from '../scard/constants.js';
import { PcscdContext } from '../pcscd/context.js';
import type { Card, ConnectOptions } from '../scard/types.js';

/** SCARD_CTL_CODE(3601): libccid's "USB path of this reader" (the CCID driver's ifdhandler.c, since CCID 1.7.1; docs/doctor.md#several-identical-readers). */
export const IOCTL_GET_USB_PATH = ctlCode(3601);

/** A reader's USB path as its driver gives it (SCardControl 3601), and its parts. */
export interface UsbPath {
  /** The whole answer: the sysfs name of the reader's USB interface, e.g. "1-1.3.2:1.0". */
  path: string;
  /** The USB device's sysfs name (bus-ports), e.g. "1-1.3.2": /sys/bus/usb/devices/<device>. */
  device: string;
  bus: number;
  configuration: number;
  interface: number;
}

const SHAPE = /^(\d+)-(\d+(?:\.\d+){0,6}):(\d+)\.(\d+)$/;

/** The driver's reply (ASCII, NUL-terminated) as a path; null when it is not one. */
export function decodeUsbPath(reply: Uint8Array): UsbPath | null {
  let end = reply.indexOf(0);
  if (end < 0) end = reply.length;
  const text = Buffer.from(reply.subarray(0, end)).toString('latin1');
  const m = SHAPE.exec(text);
  if (!m) return null;
  return {
    path: text,
    device: text.slice(0, text.indexOf(':')),
    bus: Number(m[1]),
    configuration: Number(m[3]),
    interface: Number(m[4]),
  };
}

/** What a reader's driver said: its path, or why there is none (the PC/SC code, or a malformed reply). */
export type UsbPathAnswer = { usbPath: UsbPath } | { unavailable: string };

/** Something that connects to readers: a Context, or pcscd's own context class. */
export interface Connector {
  connect(reader: string, opts?: ConnectOptions): Promise<Card>;
}

/**
 * Asks the reader's driver for its USB path: a direct connection (no card needed, nothing sent to
 * a card), one SCardControl, then disconnect leaving the card as it was.
 */
export async function readerUsbPath(ctx: Connector, reader: string, signal?: AbortSignal): Promise<UsbPathAnswer> {
  let card: Card | undefined;
  try {
    card = await ctx.connect(reader, { share: 'direct', protocols: [], ...(signal ? { signal } : {}) });
    const reply = await card.control(IOCTL_GET_USB_PATH, new Uint8Array(0), {
      timeout: 2000,
      ...(signal ? { signal } : {}),
    });
    const usbPath = decodeUsbPath(reply);
    return usbPath ? { usbPath } : { unavailable: `a reply that is not a USB path (${toHex(reply) || 'empty'})` };
  } catch (e) {
    if (isPcscError(e) && e.code !== Scard.E_CANCELLED) return { unavailable: scardName(e.code) };
    throw e;
  } finally {
    await card?.disconnect('leave').catch(() => undefined);
  }
}

/**
 * The same question on a pcscd connection of its own, each request bounded by `timeoutMs`
 * (default 5 s): pcscd holds every connect to a reader while another program's transaction lasts,
 * and a caller watching or listing other readers must not wait for that. A daemon that does not
 * answer in time gives `{ unavailable: "SCARD_E_TIMEOUT" }`.
 */
export async function readerUsbPathAt(
  socket: string,
  reader: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<UsbPathAnswer> {
  let c: PcscdContext | undefined;
  try {
    c = await PcscdContext.establish({ socket, env: {}, requestTimeout: opts.timeoutMs ?? 5000 });
    return await readerUsbPath(c, reader, opts.signal);
  } catch (e) {
    if (isPcscError(e) && e.code !== Scard.E_CANCELLED) return { unavailable: scardName(e.code) };
    throw e;
  } finally {
    await c?.release().catch(() => undefined);
  }
}
