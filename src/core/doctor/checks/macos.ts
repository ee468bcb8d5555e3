// macOS: Apple's CryptoTokenKit PC/SC stack, with its own CCID driver unless the smartcard
// preference `useIFDCCID` switches to an installed libccid; and whether smart cards are allowed.

import { parseBundle } from '../../drivers/bundles.js';
import type { DoctorCheck } from '../types.js';
import { asRoot, detectMachine, mustElevate } from '../../system/service.js';
import { fix, result, SCAN_TIMEOUT_MS } from './util.js';

const PREFS = '/Library/Preferences/com.apple.security.smartcard';
const APPLE_CCID = '/usr/libexec/SmartCardServices/drivers/ifd-ccid.bundle/Contents/Info.plist';
const USER_CCID = '/usr/local/libexec/SmartCardServices/drivers/ifd-ccid.bundle/Contents/Info.plist';

export const macosCcidDriver: DoctorCheck = {
  id: 'macos.ccid-driver',
  title: "Which CCID driver macOS uses (Apple's or libccid)",
  description:
    'macOS ships its own CCID driver; an installed libccid is used only when the smartcard preference useIFDCCID is 1. Readers only libccid knows need that switch.',
  category: 'macos',
  platforms: ['darwin'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe }) {
    const pref = await probe.run('defaults', ['read', PREFS, 'useIFDCCID'], { timeoutMs: 3000 });
    const useLibccid = pref?.code === 0 && pref.stdout.trim() === '1';
    const apple = await probe.readFile(APPLE_CCID);
    const user = await probe.readFile(USER_CCID);
    const userBundle = user ? parseBundle('ifd-ccid.bundle', USER_CCID, user) : undefined;
    const data = { useIFDCCID: useLibccid, appleDriver: apple !== null, libccid: userBundle?.version ?? null };
    const m = await detectMachine(probe);
    if (useLibccid && !userBundle) {
      return result(
        'fail',
        'useIFDCCID is 1 but no libccid is installed in /usr/local/libexec/SmartCardServices/drivers',
        {
          details: ['macOS then loads no CCID driver at all: no USB reader shows up.'],
          fix: fix(
            "Switch back to Apple's driver, or install libccid.",
            [asRoot(['defaults', 'write', PREFS, 'useIFDCCID', '-bool', 'no'], m)],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    if (userBundle && !useLibccid) {
      return result(
        'warn',
        `libccid ${userBundle.version ?? ''} is installed but unused (useIFDCCID is not 1)`.replace('  ', ' '),
        {
          details: ["macOS keeps using Apple's CCID driver; readers only libccid supports stay invisible."],
          fix: fix(
            'If you installed libccid for a reader Apple does not support, enable it.',
            [asRoot(['defaults', 'write', PREFS, 'useIFDCCID', '-bool', 'yes'], m)],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    return result(
      'pass',
      useLibccid ? `libccid ${userBundle?.version ?? ''} is in use`.trim() : "Apple's CCID driver is in use",
      { data },
    );
  },
};

export const macosSmartcardPrefs: DoctorCheck = {
  id: 'macos.smartcard-prefs',
  title: 'Smart cards are allowed on this Mac',
  description:
    'A configuration profile or `defaults` can disable smart card support (allowSmartCard = false) or specific token drivers (DisabledTokens).',
  category: 'macos',
  platforms: ['darwin'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe }) {
    const allow = await probe.run('defaults', ['read', PREFS, 'allowSmartCard'], { timeoutMs: 3000 });
    const disabled = await probe.run('defaults', ['read', PREFS, 'DisabledTokens'], { timeoutMs: 3000 });
    const off = allow?.code === 0 && /^(0|false|no)$/i.test(allow.stdout.trim());
    const tokens =
      disabled?.code === 0
        ? [...disabled.stdout.matchAll(/"?([\w.-]+)"?,?\s*$/gm)]
            .map((m) => m[1] as string)
            .filter((t) => t !== '(' && t !== ')')
        : [];
    const data = { allowSmartCard: !off, disabledTokens: tokens };
    if (off) {
      const m = await detectMachine(probe);
      return result('fail', 'Smart card support is disabled (allowSmartCard = false)', {
        fix: fix(
          'Remove the setting, or the configuration profile that sets it.',
          [asRoot(['defaults', 'delete', PREFS, 'allowSmartCard'], m)],
          mustElevate(m),
        ),
        data,
      });
    }
    return result(
      'pass',
      tokens.length ? `Smart cards allowed; disabled token drivers: ${tokens.join(', ')}` : 'Smart cards allowed',
      { data },
    );
  },
};
