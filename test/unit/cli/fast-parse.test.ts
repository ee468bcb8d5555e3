// The fast path's parser (src/cli/fast-parse.ts) against oclif's own (@oclif/core's Parser.parse,
// as a command's this.parse calls it), on the commands the fast path runs: whenever the fast parser
// gives a parse, oclif parses the same line without error to the same flags, words and argv. Each
// command's manifest entry is made as scripts/manifest.js makes it (oclif's cacheCommand, then
// scripts/manifest-fast.js), from the command classes of src/commands.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Flags, Parser } from '@oclif/core';
import type { Command } from '@oclif/core/command';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastParse, type FastParse, type ManifestCommand } from '../../../src/cli/fast-parse.js';
import Apdu from '../../../src/commands/apdu.js';
import Atr from '../../../src/commands/atr.js';
import Clients from '../../../src/commands/clients.js';
import Completion from '../../../src/commands/completion.js';
import Doctor from '../../../src/commands/doctor.js';
import Scan from '../../../src/commands/scan.js';
import SshCheck from '../../../src/commands/ssh-check.js';
import Version from '../../../src/commands/version.js';

type CommandClass = typeof Command & { '--'?: boolean };
interface ManifestFast {
  addFastFields(cached: unknown, cmd: CommandClass, jsonFlag: unknown): void;
}
interface OclifInternals {
  cacheCommand(cmd: CommandClass, plugin: undefined, respectNoCacheDefault: boolean): Promise<object>;
  aggregateFlags(flags: unknown, baseFlags: unknown, enableJsonFlag: boolean | undefined): Record<string, unknown>;
}

// oclif's own modules, by file (its package exports leave them out).
const require = createRequire(import.meta.url);
const lib = join(dirname(require.resolve('@oclif/core/package.json')), 'lib', 'util');
const { cacheCommand } = require(join(lib, 'cache-command.js')) as Pick<OclifInternals, 'cacheCommand'>;
const { aggregateFlags } = require(join(lib, 'aggregate-flags.js')) as Pick<OclifInternals, 'aggregateFlags'>;
// The module Parser.parse calls readStdin through.
const parser = require(join(lib, '..', 'parser', 'parse.js')) as { readStdin: () => Promise<string | null> };
let read = false;

const COMMANDS: Record<string, CommandClass> = {
  apdu: Apdu,
  atr: Atr,
  clients: Clients,
  completion: Completion,
  doctor: Doctor,
  scan: Scan,
  'ssh-check': SshCheck,
  version: Version,
};
const manifest: Record<string, ManifestCommand> = {};

beforeAll(async () => {
  // A JavaScript build script: loaded as the build loads it.
  const manifestFast = '../../../scripts/manifest-fast.js';
  const { addFastFields } = (await import(manifestFast)) as ManifestFast;
  for (const [id, cmd] of Object.entries(COMMANDS)) {
    const cached = { ...(await cacheCommand(cmd, undefined, false)) } as Record<string, unknown>;
    cached.id = id;
    addFastFields(cached, cmd, Flags.boolean());
    manifest[id] = JSON.parse(JSON.stringify(cached)) as ManifestCommand;
  }
  // oclif reads a missing argument from stdin: noted, and nothing read (the fast path takes such a
  // parse only when stdin gives nothing).
  parser.readStdin = () => {
    read = true;
    return Promise.resolve(null);
  };
});

type Outcome = { ok: true; parse: FastParse } | { ok: false; error: string };

async function oclif(id: string, argv: readonly string[]): Promise<Outcome> {
  const cmd = COMMANDS[id] as CommandClass;
  read = false;
  try {
    const r = await Parser.parse([...argv], {
      flags: aggregateFlags(cmd.flags, cmd.baseFlags, cmd.enableJsonFlag) as never,
      args: cmd.args,
      strict: cmd.strict,
      '--': cmd['--'],
      context: {} as never,
    });
    const words = r.raw.filter((t) => t.type === 'arg').map((t) => t.input);
    // As Command.jsonEnabled: --json among the words (no `--` here).
    const json = argv.includes('--json');
    // readsStdin: whether oclif's parse tried stdin for a missing argument (not a terminal here).
    return { ok: true, parse: { flags: r.flags, words, argv: r.argv as string[], json, readsStdin: read } };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const fast = (id: string, argv: readonly string[]): FastParse | undefined =>
  fastParse(manifest[id] as ManifestCommand, argv);

describe('fastParse agrees with oclif', () => {
  // fast: the fast parser parses it, as oclif does. error: oclif refuses it, the fast parser leaves
  // it to oclif. oclif: oclif parses it, the fast parser leaves it (a value it does not read).
  it.each([
    ['apdu', ['--reader', '0', '0084000008'], 'fast'],
    ['apdu', ['--reader', 'Virtual PCD 00 00', '00A4040000'], 'fast'],
    ['apdu', ['--reader=Virtual PCD 00 01', '00A4040000'], 'fast'],
    ['apdu', ['--reader=a=b', '00'], 'fast'],
    ['apdu', ['00', '--reader', '1', '--json'], 'fast'],
    ['apdu', ['-p', 'T=1', '00'], 'fast'],
    ['apdu', ['-pT=0', '00'], 'fast'],
    ['apdu', ['-p=T=1', '00'], 'fast'],
    ['apdu', ['-f', '-'], 'fast'],
    ['apdu', ['-f-'], 'fast'],
    ['apdu', ['--file', 'script.apdu', '--no-transaction', '--no-validate'], 'fast'],
    ['apdu', ['--select', 'A000000308', '00CB3FFF'], 'fast'],
    ['apdu', ['--share', 'exclusive', '--backend', 'pcscd', '00'], 'fast'],
    ['apdu', ['--control', 'features'], 'fast'],
    ['apdu', ['--socket', '', '00'], 'fast'], // an empty value is a value
    ['apdu', ['--socket=', '00'], 'fast'],
    ['apdu', ['00', '00', '--reader', '00'], 'fast'], // words stay in order
    ['apdu', ['--reader', '0'], 'fast'],
    ['apdu', ['-r', '0', '0084000008'], 'error'], // apdu has no -r
    ['apdu', ['-r0', '0084000008'], 'error'],
    ['apdu', ['--reader'], 'error'], // missing value
    ['apdu', ['--reader', '--json', '00'], 'error'], // a flag is no value
    ['apdu', ['--reader', ''], 'error'], // refused by the reader check
    ['apdu', ['--reader=', '00'], 'error'],
    ['apdu', ['--reader', ' ', '00'], 'error'],
    ['apdu', ['--reader', '0', '--reader', '1', '00'], 'error'], // repeated
    ['apdu', ['--protocol', 'T=2', '00'], 'error'], // not one of its options
    ['apdu', ['--backend'], 'error'],
    ['apdu', ['--control', 'features', '--file', 'x'], 'error'], // exclusive
    ['apdu', ['--data-only', '--json', '00'], 'error'],
    ['apdu', ['--json=true', '00'], 'oclif'], // a boolean's =VALUE is a word
    ['apdu', ['--reader', '-1', '00'], 'oclif'], // a value starting with a dash
    ['apdu', ['--select', '--nosuch', '00'], 'oclif'],
    ['apdu', ['--repeat', '3', '00'], 'oclif'], // an integer: oclif's parse
    ['apdu', ['--', '00'], 'oclif'],
    ['scan', ['-r'], 'fast'],
    ['scan', ['-r', '--backend', 'pcscd'], 'fast'],
    ['scan', ['-r', '--backend=usb', '--json'], 'fast'],
    ['scan', ['-rn'], 'fast'],
    ['scan', ['-nr', '--reader', 'Virtual'], 'fast'],
    ['scan', ['-r', '-r'], 'fast'], // a boolean may be repeated
    ['scan', ['-r', '--socket', '/tmp/pcscd.comm'], 'fast'],
    ['scan', ['-r', '--backend', 'nosuch'], 'error'],
    ['scan', ['-r', '--backend'], 'error'],
    ['scan', ['-r', '--backend', '-c'], 'error'],
    ['scan', ['-r', '--socket', '--json'], 'error'],
    ['scan', ['-r', 'extra'], 'error'],
    ['scan', ['-rc'], 'error'],
    ['scan', ['-r=x'], 'error'],
    ['scan', ['-r', '-t', '5'], 'fast'], // an integer flag the fast path reads (src/cli/flags.ts, fastInteger)
    ['scan', ['-r', '--count=2'], 'fast'],
    ['scan', ['--wait-card', '-t', '30'], 'fast'],
    ['scan', ['--wait-card', '-t0', '--reader', '1'], 'fast'], // 0: its min
    ['scan', ['-c', '--time=007', '--count', '1'], 'fast'],
    ['scan', ['-t', '99999999999999999999'], 'fast'],
    ['scan', ['-t', 'x'], 'error'], // not an integer
    ['scan', ['-t', '1.5'], 'error'],
    ['scan', ['-t', ''], 'error'],
    ['scan', ['-t=+1'], 'error'],
    ['scan', ['-t', '0x10'], 'error'], // Number() would read 16
    ['scan', ['--count=1e3'], 'error'], // Number() would read 1000
    ['scan', ['-t', ' 5'], 'error'], // Number() would read 5
    ['scan', ['--count', '٣'], 'error'], // an Arabic-Indic digit: \\d is ASCII's
    ['scan', ['-t', '-1'], 'error'], // below its min
    ['scan', ['--count', '0'], 'error'],
    ['scan', ['--count', '1', '--count', '2'], 'error'],
    ['scan', ['-c', '--wait-card'], 'error'], // exclusive
    ['scan', ['-cs'], 'error'],
    ['atr', ['--reader', '1'], 'fast'],
    ['atr', ['--list', '/tmp/list.txt', '3B00'], 'fast'],
    ['atr', ['-', '--json'], 'fast'],
    ['atr', ['--update', '--url', 'http://127.0.0.1:9/x'], 'fast'],
    ['atr', ['--url', 'http://127.0.0.1:9/x'], 'error'], // depends on --update
    ['atr', ['--timeout', '5', '--update'], 'oclif'],
    ['doctor', [], 'fast'],
    ['doctor', ['--category', 'pcscd'], 'fast'],
    ['doctor', ['--category', 'pcscd', 'udev'], 'fast'], // a multiple flag takes the words after it
    ['doctor', ['--category', 'pcscd', '--verbose', 'udev'], 'fast'],
    ['doctor', ['--category=pcscd', '--category', 'udev'], 'fast'],
    ['doctor', ['pcscd.socket', '--category', 'pcscd', '--socket', '/s', 'x'], 'fast'],
    ['doctor', ['b', 'a', 'b'], 'fast'], // oclif's argv: "b b a"
    ['doctor', ['--socket', 'b', 'a', 'b'], 'fast'],
    ['doctor', ['--root', '/mnt', '-v', 'pcscd.socket'], 'fast'],
    ['doctor', ['--category'], 'error'],
    ['clients', [], 'fast'],
    ['clients', ['--socket', '/tmp/x.comm', '--json'], 'fast'],
    ['clients', ['--socket=/tmp/x.comm'], 'fast'],
    ['clients', ['--socket'], 'error'],
    ['clients', ['x'], 'error'],
    ['version', ['--verbose', '--socket', '/tmp/x.comm'], 'fast'],
    ['completion', ['bash'], 'fast'],
    ['completion', ['zsh', '--json'], 'fast'],
    ['completion', [], 'fast'], // the shell from $SHELL
    ['completion', ['--values', 'readers'], 'fast'],
    ['completion', ['--values=readers', '--socket', '/tmp/x.comm'], 'fast'],
    ['completion', ['fish'], 'error'], // not one of the argument's options
    ['completion', ['bash', 'zsh'], 'error'],
    ['completion', ['--values', 'nosuch'], 'error'],
    ['ssh-check', ['/usr/lib/p11.so'], 'fast'],
    ['ssh-check', ['-P', '/usr/lib*/*', 'p11.so', '--json'], 'fast'],
    ['ssh-check', ['--allowed-providers=/opt/*', ''], 'fast'], // an empty word is the argument
    ['ssh-check', [], 'error'], // the required argument missing: oclif reads stdin, then reports it
    ['ssh-check', ['--json'], 'error'],
    ['ssh-check', ['a.so', 'b.so'], 'error'],
    ['ssh-check', ['-P', 'a.so'], 'error'],
    ['ssh-check', ['--', '-x.so'], 'oclif'],
  ] as const)('pcsc %s %j: %s', async (id, argv, expected) => {
    const [mine, theirs] = [fast(id, argv), await oclif(id, argv)];
    if (expected === 'fast') {
      expect(theirs.ok).toBe(true);
      expect(mine).toEqual(theirs.ok && theirs.parse);
    } else {
      expect(theirs.ok).toBe(expected === 'oclif');
      expect(mine).toBeUndefined();
    }
  });

  // Every line of up to three words from each pool: the fast parser's parse is oclif's, or none.
  const POOLS: Record<string, string[]> = {
    apdu: ['--reader', '0', '--reader=x', '-p', 'T=1', '-pany', '-f', '-', '00A4', '--json', '--no-validate', '--raw'],
    scan: [
      '-r',
      '-rn',
      '-c',
      '--reader',
      '1',
      '--backend',
      'usb',
      'x',
      '--json',
      '-t',
      '--socket=',
      '-n',
      '--wait-card',
      '--count=0',
      '-t0',
    ],
    doctor: ['--category', 'a', 'b', '--category=b', '-v', '--list', '--socket', '-', '--json', '--root', '-x'],
    atr: ['--update', '--url', 'u', '--reader', '1', '--timeout', '3B', '--list', '-', '--json', '--reader='],
    clients: ['--socket', '/s', '--socket=/t', '--json', 'x', '-s', ''],
    'ssh-check': ['p.so', '-P', '/l', '--allowed-providers=/m', '--json', '', '-', '-x'],
  };
  it.each(Object.entries(POOLS))('pcsc %s: every line of up to 3 words from %j', async (id, pool) => {
    const lines: string[][] = [[]];
    for (let n = 0; n < 3; n++)
      for (const l of lines.filter((x) => x.length === n)) for (const w of pool) lines.push([...l, w]);
    let taken = 0;
    for (const argv of lines) {
      const mine = fast(id, argv);
      if (!mine) continue;
      taken++;
      const theirs = await oclif(id, argv);
      expect({ argv, ok: theirs.ok }).toEqual({ argv, ok: true });
      expect({ argv, parse: mine }).toEqual({ argv, parse: theirs.ok && theirs.parse });
    }
    // A good share of the lines is parsed fast (not a parser that gives up on everything).
    expect(taken).toBeGreaterThan(lines.length / 25);
  });
});

describe('fastParse leaves to oclif', () => {
  it("says when oclif would read stdin for a missing argument (doctor's ids; apdu's and atr's ignore it)", () => {
    expect(fast('doctor', ['--category', 'pcscd'])?.readsStdin).toBe(true);
    expect(fast('doctor', ['pcscd.socket'])?.readsStdin).toBe(false);
    expect(fast('apdu', ['--reader', '0'])?.readsStdin).toBe(false);
    expect(fast('atr', [])?.readsStdin).toBe(false);
    // ssh-check's provider is required: a line without it is oclif's whatever stdin holds.
    expect(fast('ssh-check', ['--json'])).toBeUndefined();
    expect(fast('ssh-check', ['p.so'])?.readsStdin).toBe(false);
  });

  it('a command or a flag the manifest does not mark as the fast path reads it', () => {
    const scan = manifest.scan as ManifestCommand;
    expect(fastParse({ ...scan, fast: undefined }, ['-r'])).toBeUndefined();
    const flags = { ...scan.flags, socket: { ...scan.flags.socket!, fast: undefined } };
    const unmarked = { ...scan, flags };
    expect(fastParse(unmarked, ['-r'])).toBeDefined();
    expect(fastParse(unmarked, ['-r', '--socket', '/s'])).toBeUndefined();
    const checked = { ...scan, flags: { ...scan.flags, socket: { ...scan.flags.socket!, fast: 'nosuch' } } };
    expect(fastParse(checked, ['-r', '--socket', '/s'])).toBeUndefined();
  });

  it('the manifest marks --reader with its check, integer flags marked fastInteger with theirs and their bounds, others with none', () => {
    expect(manifest.apdu?.flags.reader?.fast).toBe('reader');
    expect(manifest.apdu?.flags.socket?.fast).toBe('as-is');
    expect(manifest.apdu?.flags.repeat?.fast).toBeUndefined();
    expect(manifest.apdu?.flags.repeat?.min).toBeUndefined();
    expect(manifest.scan?.flags.time).toMatchObject({ fast: 'integer', min: 0 });
    expect(manifest.scan?.flags.time?.max).toBeUndefined();
    expect(manifest.scan?.flags.count).toMatchObject({ fast: 'integer', min: 1 });
    expect(manifest.apdu?.args.apdu?.ignoreStdin).toBe(true);
    expect(manifest.doctor?.args.ids?.ignoreStdin).toBeUndefined();
    for (const m of Object.values(manifest)) expect(m.fast).toBe(true);
  });
});
