// Where `pcsc proxy` listens: the socket systemd passed (socket activation), else --listen, else
// the default under $XDG_RUNTIME_DIR.

import { resolve } from 'node:path';
import { UsageError } from '../../core/index.js';
import { boundPath, defaultProxySocket, takeActivation, type Activation } from '../../core/proxy/index.js';

export function activatedListen(given: string | undefined): { listen: string; activation?: Activation } {
  const activation = takeActivation();
  if (!activation) return { listen: given ?? defaultProxySocket() };
  const bound = boundPath(activation.fd);
  if (given && bound && resolve(given) !== bound)
    throw new UsageError(`systemd passed the socket ${bound}, but --listen says ${given}: make them agree`);
  return { listen: bound ?? given ?? defaultProxySocket(), activation };
}
