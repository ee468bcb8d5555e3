#!/usr/bin/env node
// The `pcsc` command. Kept minimal: start-up time is measured in bench/. CommonJS (bin/package.json),
// as is the fast path it loads (dist/bundle/pcsc.cjs): a plain `scan -r`, `apdu HEX`… never starts
// Node's ES module loader. Anything else runs through oclif (dist/bundle/oclif.cjs), CommonJS
// too. Source maps point stack traces at src/ when debugging (scripts/bundle.js).
'use strict';

if (process.env.DEBUG || process.env.PCSC_DEBUG) process.setSourceMapsEnabled(true);
// Compiled code cached between runs: Node's own from 22.1, else ours for the bundle's .cjs files.
const nodeModule = require('node:module');
if (nodeModule.enableCompileCache) nodeModule.enableCompileCache();
else
  require('../dist/bundle/code-cache.cjs').installCodeCache(
    require('node:path').join(__dirname, '..', 'dist', 'bundle'),
  );
const { main } = require('../dist/bundle/pcsc.cjs');
main(process.argv.slice(2)).then(async (args) => {
  if (!args) return;
  // The package root itself: oclif looks for package.json from there up and reads it at once,
  // rather than first trying dist/bundle/oclif.cjs/, dist/bundle/ and dist/.
  const dir = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'x')).href;
  await require('../dist/bundle/oclif.cjs').execute({ dir: new URL('./', dir).href, args });
});
