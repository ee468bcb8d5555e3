// --backend auto: pcscd when it answers, the USB backend when nothing listens at the default socket.

import { describe, expect, it } from 'vitest';
import { establishContext } from '../../../src/core/pcsc/establish.js';

describe('backend choice', () => {
  it('falls back to USB only when no socket was named', async () => {
    const env = { PCSCLITE_CSOCK_NAME: undefined } as NodeJS.ProcessEnv;
    // The default socket path cannot exist under this name: force "nobody listens" through env.
    await expect(establishContext({ backend: 'auto', socket: '/nonexistent/pcscd.comm' })).rejects.toMatchObject({
      scardName: 'SCARD_E_NO_SERVICE',
    });
    await expect(
      establishContext({ backend: 'auto', env: { PCSCLITE_CSOCK_NAME: '/nonexistent/pcscd.comm' } }),
    ).rejects.toMatchObject({ scardName: 'SCARD_E_NO_SERVICE' });
    await expect(establishContext({ backend: 'pcscd', socket: '/nonexistent/pcscd.comm', env })).rejects.toMatchObject({
      scardName: 'SCARD_E_NO_SERVICE',
    });
  });

  it('gives the USB backend when asked', async () => {
    const ctx = await establishContext({ backend: 'usb' });
    expect(ctx.info).toEqual({ backend: 'usb' });
    expect(Array.isArray(await ctx.listReaders())).toBe(true);
    await ctx.release();
  });
});
