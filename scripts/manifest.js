#!/usr/bin/env node
// Writes oclif.manifest.json from the built commands (dist/bundle/oclif.cjs, package.json's explicit
// command discovery), so `pcsc` loads only the command it runs. The fast path (src/cli/fast.ts)
// parses from it too, so we add what it needs and oclif leaves out (scripts/manifest-fast.js:
// boolean flags' defaults, how each flag's value is read, and whether the command's flags and
// arguments do anything when not given), and the doctor's check words the completion scripts offer
// (withCheckWords, src/cli/completion/command.ts).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
// The doctor's check words, from its checks as the bundle holds them (scripts/bundle.js).
const bundled = createRequire(import.meta.url);
const { withCheckWords } = bundled(join(root, 'dist', 'bundle', 'fast-completion.cjs'));
const { listChecks } = bundled(join(root, 'dist', 'bundle', 'oclif-doctor.cjs'));
for (const cmd of withCheckWords(Object.values(manifest.commands), listChecks)) manifest.commands[cmd.id] = cmd;
// In the order oclif's config.commands lists them (its Plugin sorts them by id so), which the
// completion scripts keep on the fast path too (src/cli/fast.ts), and oclif's Plugin then keeps
// (pcscSorted, scripts/bundle.js): the collator costs ~5 ms to start.
manifest.commands = Object.fromEntries(Object.entries(manifest.commands).sort(([a], [b]) => a.localeCompare(b)));
manifest.pcscSorted = true;
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
process.stdout.write(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands\n`);
