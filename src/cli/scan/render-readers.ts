// Human output of `pcsc scan -r`: exactly what `pcsc_scan -r` prints.

import { termSafe } from '../escape.js';
import type { ReaderListResult } from './result.js';

export function renderReaderList(r: ReaderListResult): string[] {
  if (r.readers.length === 0) return ['No reader found.'];
  return r.readers.map((x, i) => `${i}: ${termSafe(x.name)}`);
}
