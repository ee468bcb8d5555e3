// A 4:2 daemon's reader-name width (100 or 128 bytes, docs/protocol.md#history) is probed by an idle wait of about
// 0.4 s on each new upstream connection; the proxy opens one per client. The answer is the
// daemon's (its release), so it is kept per upstream socket, keyed by the socket file's identity
// (inode and change time): a pcscd that restarts re-creates its socket and is probed again. (A socket held by
// systemd keeps its inode while pcscd restarts: only replacing a 1.8.3 pcscd by a 1.8.4–1.8.8 one
// under a running socket unit would go unnoticed, until the proxy restarts.)

import { statSync } from 'node:fs';

export class LayoutCache {
  private readonly widths = new Map<string, 100 | 128>();

  private key(path: string): string | null {
    try {
      const st = statSync(path);
      // The inode alone is not enough: a socket re-created at once often gets the freed number back.
      return `${st.dev}:${st.ino}:${st.ctimeMs}`;
    } catch {
      return null;
    }
  }

  /** The width found before for the daemon now at `path`, if any. */
  get(path: string): 100 | 128 | undefined {
    const k = this.key(path);
    return k === null ? undefined : this.widths.get(k);
  }

  remember(path: string, width: 100 | 128): void {
    const k = this.key(path);
    if (k !== null) this.widths.set(k, width);
  }
}
