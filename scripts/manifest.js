#!/usr/bin/env node
// Writes oclif.manifest.json from the built commands (dist/bundle/oclif.js, package.json's explicit
// command discovery), so `pcsc` loads only the command it runs. The fast path (src/cli/fast.ts)
// parses from it too, so we add what it needs and oclif leaves out (scripts/manifest-fast.js:
// boolean flags' defaults, how each flag's value is read, and whether the command's flags and
// arguments do anything when not given).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flags, Plugin } from '@oclif/core';
import { addFastFields } from './manifest-fast.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const manifest = plugin.manifest;
for (const id of Object.keys(manifest.commands)) {
  const cmd = await plugin.findCommand(id, { must: true });
  addFastFields(manifest.commands[id], cmd, Flags.boolean());
}
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
process.stdout.write(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands\n`);
