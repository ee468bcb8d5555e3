// How native `usb` errors become the core's errors (messages measured from usb 3.1 in the guest).

import { describe, expect, it } from 'vitest';
import { permissionMessage, usbError } from '../../../src/core/ccid/usb-errors.js';

const info = { node: '/dev/bus/usb/001/002', interfaceNumber: 0 };

describe('native USB errors', () => {
  it('says what to do about permissions', () => {
    const e = usbError(new Error('open error: permission denied (errno 13)'), 'open', info);
    expect(e).toMatchObject({ name: 'CcidError', code: 'EACCES', kind: 'reader' });
    expect(e.message).toMatch(
      /^no permission to open the reader's device node \/dev\/bus\/usb\/001\/002.*TAG\+="uaccess".*pcsc doctor/,
    );
  });

  it('names the node owner group when it can see the node', () => {
    expect(permissionMessage('/dev/null')).toMatch(
      /\/dev\/null \(group root, mode 0666; you (are|are not) in group root/,
    );
  });

  it('says who may hold a busy interface', () => {
    const e = usbError(new Error('claimInterface error: interface is busy (errno 16)'), 'claim', info);
    expect(e).toMatchObject({
      code: 'EBUSY',
      message: expect.stringMatching(/interface 0 of \/dev\/bus\/usb\/001\/002 is claimed by another program \(pcscd/),
    });
  });

  it('maps a vanished device to an unavailable reader, a cancelled transfer to a timeout', () => {
    expect(usbError(new Error('transferIn error: no such device (errno 19)'), 'bulk IN', info)).toMatchObject({
      scardName: 'SCARD_E_READER_UNAVAILABLE',
    });
    expect(usbError(new Error('transferIn error: Disconnected'), 'bulk IN', info)).toMatchObject({
      scardName: 'SCARD_E_READER_UNAVAILABLE',
    });
    expect(usbError(new Error('transferIn error: Cancelled'), 'bulk IN', info)).toMatchObject({
      code: 'ETIMEDOUT',
      kind: 'timeout',
    });
    expect(usbError(new Error('transferIn error: Stall'), 'bulk IN', info)).toMatchObject({ code: 'ESTALL' });
    expect(usbError(new Error('weird'), 'bulk IN', info)).toMatchObject({
      code: 'EIO',
      message: 'USB bulk IN failed: weird',
    });
  });
});
