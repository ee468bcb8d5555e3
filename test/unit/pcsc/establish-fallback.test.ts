// Context.establish with backend auto: the fallback to USB is never silent (ContextInfo.fallback), and with no USB
// reader either it is "no service", not an empty list. The USB backend is replaced by a scripted one here.

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PcscError, Scard } from '../../../src/core/index.js';
import { DEFAULT_SOCKET, LEGACY_SOCKET } from '../../../src/core/pcscd/socket-path.js';
import { establishContext, registerBackend } from '../../../src/core/pcsc/establish.js';
import type { Context } from '../../../src/core/scard/types.js';

function fakeUsb(readers: string[]): { ctx: Context; released: () => boolean } {
  let released = false;
  const ctx = {
    info: { backend: 'usb' },
    listReaders: async () => readers,
    release: async () => {
      released = true;
    },
  } as unknown as Context;
  return { ctx, released: () => released };
}

const restore = (): void =>
  registerBackend('usb', async () => (await import('../../../src/core/ccid/context.js')).UsbContext.establish());

describe.skipIf(existsSync(DEFAULT_SOCKET) || existsSync(LEGACY_SOCKET))('backend auto without pcscd', () => {
  afterEach(restore);

  it('falls back to USB and says why in info.fallback', async () => {
    const usb = fakeUsb(['Fake CCID 00 00']);
    registerBackend('usb', async () => usb.ctx);
    const ctx = await establishContext({ env: {} });
    expect(ctx.info.backend).toBe('usb');
    expect(ctx.info.fallback).toBe(
      `pcscd is not running (no pcscd socket at ${DEFAULT_SOCKET}); using USB readers directly`,
    );
  });

  it('with no USB reader either: SCARD_E_NO_SERVICE, and the USB context is released', async () => {
    const usb = fakeUsb([]);
    registerBackend('usb', async () => usb.ctx);
    const e = await establishContext({ env: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PcscError);
    expect((e as PcscError).code).toBe(Scard.E_NO_SERVICE);
    expect((e as PcscError).message).toContain('no USB reader is plugged in');
    expect(usb.released()).toBe(true);
  });

  it('a socket the user named never falls back', async () => {
    registerBackend('usb', async () => fakeUsb(['Fake CCID 00 00']).ctx);
    const e = await establishContext({ env: { PCSCLITE_CSOCK_NAME: '/nonexistent/pcscd.comm' } }).catch((x) => x);
    expect((e as PcscError).code).toBe(Scard.E_NO_SERVICE);
  });
});
