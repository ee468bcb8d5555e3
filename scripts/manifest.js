#!/usr/bin/env node
// Writes oclif.manifest.json from the built commands (dist/bundle/oclif-commands.js, package.json's
// explicit command discovery), so `pcsc` loads only the command it runs. oclif leaves boolean flags'
// defaults out of it; we add them, for the fast path (src/cli/fast.ts) parses from the manifest.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const manifest = plugin.manifest;
for (const id of Object.keys(manifest.commands)) {
  const cmd = await plugin.findCommand(id, { must: true });
  for (const [name, flag] of Object.entries(cmd.flags ?? {})) {
    if (flag.type !== 'boolean' || flag.default === undefined) continue;
    if (typeof flag.default !== 'boolean')
      throw new Error(`${id} --${name}: a boolean flag's default must be true or false`);
    manifest.commands[id].flags[name].default = flag.default;
  }
}
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
process.stdout.write(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands\n`);
