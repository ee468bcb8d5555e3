// The user's cache directory, where pcsc keeps what it can rebuild: the downloaded ATR list
// (smartcard_list.txt, where pcsc-tools' ATR_analysis looks too), the ATR list's index and the
// V8 code cache of the CLI (both under pcsc/).

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** $XDG_CACHE_HOME when it is an absolute path, else ~/.cache (the XDG spec ignores a relative or empty value). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return xdg;
  return join(env.HOME || homedir(), '.cache');
}
