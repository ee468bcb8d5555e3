// The errors the USB backend reports for native `usb` failures: permission (with the device
// node's group and mode, and the fix), interface busy, device gone, timeout, stall.

import { readFileSync, statSync } from 'node:fs';
import { CcidError, PcscError, Scard } from '../errors.js';

export function errnoOf(e: unknown): number | undefined {
  const m = /errno (\d+)/.exec(e instanceof Error ? e.message : String(e));
  return m ? Number(m[1]) : undefined;
}

function groupName(gid: number): string {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === gid && f[0]) return f[0];
    }
  } catch {
    // fall through
  }
  return String(gid);
}

/** The sentence that says why we may not open a device node, and what fixes it. */
export function permissionMessage(node: string): string {
  let owner = '';
  try {
    const st = statSync(node);
    const group = groupName(st.gid);
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    const groups = typeof process.getgroups === 'function' ? process.getgroups() : [];
    const inGroup = groups.includes(st.gid);
    owner = ` (group ${group}, mode ${mode}; ${inGroup ? `you are in group ${group}, but the group may not write` : `you are not in group ${group}`})`;
  } catch {
    // the node may be gone or hidden: say what we know
  }
  return `no permission to open the reader's device node ${node}${owner}: add a udev rule that gives your user access (TAG+="uaccess", see docs/usb.md), then re-plug the reader; \`pcsc udev-check\` and \`pcsc doctor\` show which rule applies`;
}

/** Turns a native error into the core's error for `what` on `info`. */
export function usbError(e: unknown, what: string, info: { node: string; interfaceNumber: number }): Error {
  if (e instanceof CcidError || e instanceof PcscError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const errno = errnoOf(e);
  if (errno === 13 || errno === 1 || /permission denied|access denied/i.test(msg)) {
    return new CcidError(permissionMessage(info.node), 'EACCES', 'reader', { cause: e });
  }
  if (errno === 16 || /busy/i.test(msg)) {
    return new CcidError(
      `interface ${info.interfaceNumber} of ${info.node} is claimed by another program (pcscd, or GnuPG's scdaemon with its own CCID driver): use --backend pcscd, or stop that program first`,
      'EBUSY',
      'reader',
      { cause: e },
    );
  }
  if (errno === 19 || errno === 2 || errno === 108 || /no such device|disconnected|not found/i.test(msg)) {
    return new PcscError(Scard.E_READER_UNAVAILABLE, `the reader was unplugged (${what})`, { cause: e });
  }
  if (/cancel/i.test(msg)) return new CcidError(`USB ${what} timed out`, 'ETIMEDOUT', 'timeout', { cause: e });
  if (/stall|pipe/i.test(msg)) return new CcidError(`USB ${what} stalled`, 'ESTALL', 'reader', { cause: e });
  return new CcidError(`USB ${what} failed: ${msg}`, 'EIO', 'reader', { cause: e });
}
