#!/usr/bin/env node
// One process per start-up stage, cumulative, for bench/startup.ts: what `pcsc scan -r` does, cut
// after each step. usage: startup-stages.mjs none|oclif|config|command|core|exchange
const stage = process.argv[2] ?? 'none';
const order = ['none', 'oclif', 'config', 'command', 'core', 'exchange'];
const upTo = order.indexOf(stage);
if (upTo < 0) throw new Error(`unknown stage ${stage}`);
const root = new URL('..', import.meta.url);
if (upTo >= 1) {
  await import('@oclif/core/execute'); // what bin/run.js imports
}
let config;
if (upTo >= 2) {
  const { Config } = await import('@oclif/core/config');
  config = await Config.load(root.pathname); // package.json, oclif.manifest.json, user config
}
if (upTo >= 3) {
  await config.findCommand('scan').load(); // dist/commands/scan.js, BaseCommand, flags
}
let readers;
if (upTo >= 4) {
  readers = await import(new URL('dist/cli/scan/readers.js', root).href); // the core
}
if (upTo >= 5) {
  await readers.listReadersOnce({ socket: undefined }); // CMD_VERSION … RELEASE on the socket
}
