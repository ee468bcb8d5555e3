#!/usr/bin/env node
// The `pcsc` command. Kept minimal: start-up time is measured in bench/. The CLI is the bundle
// (dist/bundle/, scripts/bundle.js); its source maps point stack traces at src/ when debugging.
import module from 'node:module';

// Node ≥ 22.1 caches compiled code between runs; a no-op on 20.
module.enableCompileCache?.();
if (process.env.DEBUG || process.env.PCSC_DEBUG) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/bundle/pcsc.js');
await main(process.argv.slice(2));
