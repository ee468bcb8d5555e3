// `node --import ./module-trace.mjs`: appends the URL of every file the program loads as an ES
// module to the file named by $MODULE_TRACE, one a line, and at exit the file URL of every
// CommonJS module it required (the CLI's entry, its fast path and oclif's are all CommonJS)
// (test/integration/fast-path.test.ts).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const trace = process.env.MODULE_TRACE;
if (trace) {
  register('./module-trace-hooks.mjs', import.meta.url, { data: trace });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const files = Object.keys(cache).filter((f) => f.startsWith('/'));
    if (files.length) appendFileSync(trace, files.map((f) => pathToFileURL(f).href + '\n').join(''));
  });
}
