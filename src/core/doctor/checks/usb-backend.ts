// pcsc's own USB backend (--backend usb): whether the optional `usb` package and its native
// binary load in this installation. A missing one breaks nothing else, so it is a warning.

import type { DoctorCheck } from '../types.js';
import { fix, result } from './util.js';

export const driversUsbBackend: DoctorCheck = {
  id: 'drivers.usb-backend',
  title: "pcsc's USB backend can load",
  description:
    'Loads the optional npm package usb@3 (prebuilt native binary) that `--backend usb` drives CCID readers with, without pcscd. Everything else works without it.',
  category: 'drivers',
  platforms: ['linux', 'darwin', 'win32', 'freebsd', 'openbsd'],
  async run() {
    // Lazily: the native part is loaded only when this check runs.
    const { usbStatus } = await import('../../ccid/transport.js');
    const s = await usbStatus();
    const data = { available: s.available, version: s.version ?? null, error: s.error ?? null };
    if (s.available)
      return result('pass', `usb${s.version ? ` ${s.version}` : ''} loads: --backend usb is available`, { data });
    return result('warn', '--backend usb is unavailable: the optional package usb@3 does not load', {
      details: [
        s.error ?? 'unknown reason',
        'Only the USB backend needs it; everything through pcscd works without it.',
      ],
      fix: fix('Reinstall pcsc with its optional dependencies.', ['npm install --include=optional']),
      data,
    });
  },
};
