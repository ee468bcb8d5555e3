#!/usr/bin/env node
// Runs one of this repository's TypeScript files with Node 20 and no build step:
// `node scripts/run-ts.js FILE.ts ARGS…`. The demo (`npm run demo`) runs this way so that it uses
// the test rig's own sources (test/rig/) rather than a second copy of them.
import nodeModule from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const fail = (message) => {
  process.stderr.write(`run-ts: ${message}\n`);
  process.exit(2);
};
const file = process.argv[2];
if (!file?.endsWith('.ts')) fail('usage: node scripts/run-ts.js FILE.ts [ARGS…]');
// module.register (20.6) and import.meta.dirname (20.11, used by test/helpers/cli.ts).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) fail(`needs Node.js 20.11 or newer (this is ${process.version})`);
try {
  import.meta.resolve('typescript');
} catch {
  fail('typescript is not installed: run `npm ci` (it installs the devDependencies too)');
}
// In-thread hooks where Node has them: Node 26 deprecates module.register with a warning on stderr.
if (typeof nodeModule.registerHooks === 'function') nodeModule.registerHooks((await import('./ts-hooks.js')).syncHooks);
else nodeModule.register('./ts-hooks.js', import.meta.url);
process.argv.splice(1, 1); // FILE.ts is argv[1] for the script, as if node ran it directly
await import(pathToFileURL(resolve(file)).href);
