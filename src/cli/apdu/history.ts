// The interactive `pcsc apdu` history: $XDG_STATE_HOME/pcsc/apdu_history (~/.local/state/…), mode
// 0600 in a 0700 directory. Lines that hold a PIN or a key are never written (interactive.ts); a
// history that cannot be read or written is simply not there.

import { appendFile, mkdir, open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

/** At most this much of the file is read: the last lines of it. */
const MAX_READ = 256 * 1024;
const MAX_LINES = 1000;

export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says to ignore a relative (or empty) value.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'pcsc', 'apdu_history');
}

/** The last lines of the file, newest first (readline's order); [] when there is none. */
export async function loadHistory(file: string): Promise<string[]> {
  try {
    await using fh = await open(file, 'r');
    const st = await fh.stat();
    if (!st.isFile()) return [];
    const start = Math.max(0, st.size - MAX_READ);
    const buf = Buffer.alloc(st.size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // cut in the middle
    return lines
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-MAX_LINES)
      .reverse();
  } catch {
    return [];
  }
}

export async function appendHistory(file: string, line: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await appendFile(file, line + '\n', { mode: 0o600 });
  } catch {
    // No history is no failure.
  }
}
