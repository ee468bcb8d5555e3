// The checks of the "udev" category and all they depend on: what `pcsc udev-check` runs, and a
// stretch of doctor's registry (./index.ts spreads it there, in this order). A file of its own so
// that udev-check loads none of doctor's other checks (a third of its bundle file).
// test/unit/doctor/udev-check.test.ts holds it to what the registry selects for UDEV_CATEGORIES.

import type { DoctorCheck } from '../types.js';
import { udevRuleHeader } from './drivers.js';
import { pcscdGroup, udevIgnore, udevKernelDriver, udevNodeAccess, udevReaders } from './udev.js';
import { wslUsbip } from './wsl.js';

/** The categories `pcsc udev-check` runs. */
export const UDEV_CATEGORIES = ['udev'] as const;

/** The checks of UDEV_CATEGORIES, with all they depend on, in the order of doctor's registry. */
export const UDEV_CHECKS: readonly DoctorCheck[] = [
  udevReaders,
  wslUsbip,
  udevNodeAccess,
  udevIgnore,
  udevKernelDriver,
  udevRuleHeader,
  pcscdGroup,
];
