// The registry of doctor's checks, in display order. udev-check runs the "udev" category.

import type { DoctorCheck } from '../types.js';
import { libpcscliteVersion } from './client.js';
import { sandbox } from './sandbox.js';
import { driversBundles, driversLibccidVersion, driversRuleCoverage, udevRuleHeader } from './drivers.js';
import { gnupgScdaemon } from './gnupg.js';
import { macosCcidDriver, macosSmartcardPrefs } from './macos.js';
import { pcscdInstalled, pcscdService, pcscdUserCheck } from './pcscd-install.js';
import { pcscdOptions } from './pcscd-options.js';
import { pcscdProtocol, pcscdReaders, pcscdSocket } from './pcscd-socket.js';
import { polkit } from './polkit.js';
import { pcscdGroup, udevIgnore, udevKernelDriver, udevNodeAccess, udevReaders } from './udev.js';
import { driversUsbBackend } from './usb-backend.js';
import { wslUsbip } from './wsl.js';

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
  udevReaders,
  wslUsbip,
  udevNodeAccess,
  udevIgnore,
  udevKernelDriver,
  udevRuleHeader,
  pcscdGroup,
  driversBundles,
  driversLibccidVersion,
  driversRuleCoverage,
  driversUsbBackend,
  gnupgScdaemon,
  macosCcidDriver,
  macosSmartcardPrefs,
];

/** The categories `pcsc udev-check` runs. */
export const UDEV_CATEGORIES = ['udev'] as const;
