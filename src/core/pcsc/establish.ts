// Context.establish(): picks a backend. The USB backend registers itself here when it exists.

import { PcscdContext, type PcscdContextOptions } from '../pcscd/context.js';
import { UsageError } from '../errors.js';
import type { BackendName, Context } from './types.js';

export interface EstablishOptions extends PcscdContextOptions {
  backend?: BackendName | 'auto';
}

export type BackendFactory = (opts: EstablishOptions) => Promise<Context>;

const factories = new Map<BackendName, BackendFactory>([['pcscd', (o) => PcscdContext.establish(o)]]);

export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

export async function establishContext(opts: EstablishOptions = {}): Promise<Context> {
  const name = opts.backend === undefined || opts.backend === 'auto' ? 'pcscd' : opts.backend;
  const f = factories.get(name);
  if (!f) throw new UsageError(`the ${name} backend is not available in this build`, 'EBACKEND');
  return f(opts);
}
