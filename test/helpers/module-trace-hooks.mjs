// The loader hooks of module-trace.mjs (they run in the loader's thread on Node 20).
import { appendFileSync } from 'node:fs';

let out = '';
export function initialize(file) {
  out = file;
}
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(out, `${url}\n`);
  return next(url, context);
}
