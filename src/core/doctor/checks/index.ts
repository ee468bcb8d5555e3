// The registry of doctor's checks, in display order. udev-check runs the "udev" category.

import type { DoctorCheck } from '../types.js';
import { libpcscliteVersion } from './client.js';
import { sandbox } from './sandbox.js';
import { driversBundles, driversLibccidVersion, driversRuleCoverage } from './drivers.js';
import { gnupgScdaemon } from './gnupg.js';
import { macosCcidDriver, macosSmartcardPrefs } from './macos.js';
import { pcscdInstalled, pcscdService, pcscdUserCheck } from './pcscd-install.js';
import { pcscdOptions } from './pcscd-options.js';
import { pcscdProtocol, pcscdReaders, pcscdSocket } from './pcscd-socket.js';
import { polkit } from './polkit.js';
import { UDEV_CHECKS } from './udev-checks.js';
import { driversUsbBackend } from './usb-backend.js';

export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  pcscdInstalled,
  pcscdService,
  pcscdSocket,
  pcscdProtocol,
  pcscdReaders,
  pcscdOptions,
  pcscdUserCheck,
  libpcscliteVersion,
  sandbox,
  polkit,
  ...UDEV_CHECKS,
  driversBundles,
  driversLibccidVersion,
  driversRuleCoverage,
  driversUsbBackend,
  gnupgScdaemon,
  macosCcidDriver,
  macosSmartcardPrefs,
];

export { UDEV_CATEGORIES } from './udev-checks.js';
