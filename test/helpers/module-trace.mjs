// `node --import ./module-trace.mjs`: appends the URL of every file the program loads as an ES
// module to the file named by $MODULE_TRACE, one a line (test/integration/fast-path.test.ts).
import { register } from 'node:module';

if (process.env.MODULE_TRACE) register('./module-trace-hooks.mjs', import.meta.url, { data: process.env.MODULE_TRACE });
