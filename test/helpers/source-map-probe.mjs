// `node --import ./source-map-probe.mjs bin/run.js …`: at exit, writes to stderr whether source
// maps are on and the stack of an error thrown in the bundle's own code (dist/bundle/pcsc.cjs,
// which bin/run.js loaded after deciding on source maps): with them on, its frames name src/ files
// (test/integration/fast-path.test.ts).
import { createRequire } from 'node:module';

process.on('exit', () => {
  const { hex32 } = createRequire(import.meta.url)('../../dist/bundle/pcsc.cjs');
  let stack;
  try {
    hex32(1n); // a TypeError thrown inside the bundle: a BigInt mixed with a number
  } catch (err) {
    stack = err.stack;
  }
  process.stderr.write(`probe: source maps ${process.sourceMapsEnabled}\nprobe: ${stack}\n`);
});
