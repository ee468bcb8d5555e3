// GnuPG's scdaemon and pcscd fighting over the reader: scdaemon tries its own USB CCID driver
// first (pcscd then logs LIBUSB_ERROR_BUSY), and through PC/SC it opens cards exclusively unless
// scdaemon.conf says `disable-ccid` and `pcsc-shared`.

import { posix } from 'node:path';
import type { DoctorCheck } from '../types.js';
import type { ProcessInfo, SystemProbe } from '../../system/types.js';
import { findUser } from '../../system/accounts.js';
import { processList } from '../../system/memo.js';
import { shq } from '../../system/service.js';
import { fix, result, SCAN_TIMEOUT_MS } from './util.js';

const SCDAEMON = [
  '/usr/lib/gnupg/scdaemon',
  '/usr/libexec/scdaemon',
  '/usr/lib/gnupg2/scdaemon',
  '/usr/local/libexec/scdaemon',
  '/opt/homebrew/libexec/scdaemon',
];

/** The scdaemon processes running now. */
export async function scdaemons(probe: SystemProbe): Promise<ProcessInfo[]> {
  return (await processList(probe)).filter(
    (p) => posix.basename(p.argv[0] ?? '') === 'scdaemon' || posix.basename(p.exe ?? '') === 'scdaemon',
  );
}

/** The options set in a gpg-style config file (`name [value]` lines, `#` comments). */
export function confOptions(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    out.add(line.split(/\s+/)[0] as string);
  }
  return out;
}

async function gnupgHome(probe: SystemProbe): Promise<string | undefined> {
  if (probe.env.GNUPGHOME) return probe.env.GNUPGHOME;
  const home = probe.env.HOME ?? (probe.uid !== undefined ? (await findUser(probe, probe.uid))?.home : undefined);
  return home ? `${home.replace(/\/+$/, '')}/.gnupg` : undefined;
}

/** USB device nodes a process has open (its libusb handles). */
async function usbFds(probe: SystemProbe, pid: number): Promise<string[]> {
  const out: string[] = [];
  for (const fd of (await probe.readDir(`/proc/${pid}/fd`)) ?? []) {
    const target = await probe.readLink(`/proc/${pid}/fd/${fd}`);
    if (target?.startsWith('/dev/bus/usb/')) out.push(target);
  }
  return out;
}

export const gnupgScdaemon: DoctorCheck = {
  id: 'gnupg.scdaemon',
  title: "GnuPG's scdaemon shares the reader with pcscd",
  description:
    'scdaemon (gpg --card-status, gpg-agent) uses its own USB driver by default and grabs the reader, and through pcscd it opens cards exclusively. `disable-ccid` and `pcsc-shared` in scdaemon.conf make it share.',
  category: 'gnupg',
  platforms: ['linux', 'darwin', 'freebsd', 'openbsd'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run({ probe }) {
    const procs = await scdaemons(probe);
    let installed: string | undefined;
    for (const p of SCDAEMON) if ((await probe.stat(p))?.isFile) installed ??= p;
    if (!installed && procs.length === 0)
      return result('pass', "GnuPG's scdaemon is not installed", { data: { installed: null, running: [] } });
    const home = await gnupgHome(probe);
    const confPath = home ? `${home}/scdaemon.conf` : undefined;
    const conf = confPath ? await probe.readFile(confPath) : null;
    const opts = confOptions(conf ?? '');
    const holding: string[] = [];
    for (const p of procs) {
      const fds = await usbFds(probe, p.pid);
      if (fds.length > 0) holding.push(`scdaemon (pid ${p.pid}, uid ${p.uid}) has ${fds.join(', ')} open`);
    }
    const missing = ['disable-ccid', 'pcsc-shared'].filter((o) => !opts.has(o));
    const data = {
      installed: installed ?? null,
      running: procs.map((p) => ({ pid: p.pid, uid: p.uid })),
      conf: confPath ?? null,
      options: [...opts].filter((o) => o.startsWith('disable-ccid') || o.startsWith('pcsc')),
      holding,
    };
    const target = confPath ?? '~/.gnupg/scdaemon.conf';
    const commands = [
      ...(missing.length
        ? [`printf '${missing.join('\\n')}\\n' >> ${confPath ? shq(confPath) : '~/.gnupg/scdaemon.conf'}`]
        : []),
      'gpgconf --kill scdaemon',
    ];
    const details = [
      `${target}: ${conf === null ? 'absent' : missing.length ? `lacks ${missing.join(' and ')}` : 'has disable-ccid and pcsc-shared'}`,
      ...(procs.length ? [`running: ${procs.map((p) => `pid ${p.pid}`).join(', ')}`] : ['not running now']),
      ...holding,
    ];
    if (holding.length > 0) {
      return result('fail', 'scdaemon holds a USB reader through its own CCID driver', {
        details: [
          ...details,
          'pcscd cannot claim the reader (LIBUSB_ERROR_BUSY) and PC/SC applications see no reader while scdaemon runs.',
        ],
        fix: fix('Make scdaemon go through pcscd and share the card, then restart it.', commands),
        data,
      });
    }
    if (missing.length > 0) {
      const why = [
        ...(missing.includes('disable-ccid')
          ? [
              'Without disable-ccid, scdaemon tries its own USB driver first and, when it can open the reader, takes it away from pcscd.',
            ]
          : []),
        ...(missing.includes('pcsc-shared')
          ? [
              'Without pcsc-shared, scdaemon opens the card exclusively: other applications get "Sharing violation" (SCARD_E_SHARING_VIOLATION) until it exits.',
            ]
          : []),
      ];
      return result('warn', `scdaemon.conf lacks ${missing.join(' and ')}`, {
        details: [...details, ...why],
        fix: fix('Add the options, then restart scdaemon.', commands),
        data,
      });
    }
    return result('pass', 'scdaemon uses pcscd and shares the card (disable-ccid, pcsc-shared)', { details, data });
  },
};
