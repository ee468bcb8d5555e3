// Where `pcsc spy` listens by default: the user's runtime directory (what Flatpak can share with
// --filesystem=xdg-run/…), else the temporary directory, with the uid in the name.

import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function defaultSpySocket(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.XDG_RUNTIME_DIR;
  if (run) return join(run, 'pcsc-spy.comm');
  return join(tmpdir(), `pcsc-spy-${userInfo().uid}.comm`);
}
