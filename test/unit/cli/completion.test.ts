import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bashCompletion, zshCompletion, type CompletionCommand } from '../../../src/cli/completion.js';

const cmds: CompletionCommand[] = [
  {
    id: 'scan',
    aliases: [],
    summary: "List readers: pcsc_scan's [way]",
    flags: [
      { name: 'readers', char: 'r', type: 'boolean', description: 'list readers' },
      { name: 'backend', type: 'option', options: ['pcscd', 'usb', 'auto'], description: "it's the backend" },
      { name: 'socket', type: 'option', description: 'socket path' },
      { name: 'reader', type: 'option', dynamic: 'readers', description: 'reader' },
    ],
  },
  { id: 'ssh-check', aliases: ['ssh-agent-provider-check'], flags: [], args: [{ name: 'provider', required: true }] },
  { id: 'completion', aliases: [], flags: [], args: [{ name: 'shell', options: ['bash', 'zsh'], required: true }] },
  {
    id: 'doctor',
    aliases: [],
    flags: [{ name: 'list', type: 'boolean' }],
    args: [{ name: 'ids', options: ['pcscd.socket', 'pcscd'], description: 'check' }],
    strict: false,
  },
  { id: 'udev-check', aliases: [], flags: [], strict: false },
];

describe('bash completion', () => {
  const script = bashCompletion('pcsc', cmds);
  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
  });
  const complete = (...words: string[]): string[] => {
    const out = execFileSync('bash', [
      '-c',
      `${script}\nCOMP_WORDS=(pcsc ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _pcsc; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]);
    return out.toString().split('\n').filter(Boolean);
  };
  it('completes commands, aliases, flags and enumerated values', () => {
    expect(complete('s')).toEqual(['scan', 'ssh-check', 'ssh-agent-provider-check']);
    expect(complete('scan', '--b')).toEqual(['--backend']);
    expect(complete('scan', '--backend', 'u')).toEqual(['usb']);
    expect(complete('scan', '-')).toContain('-r');
  });
  it('completes `help` and the command after it', () => {
    expect(complete('h')).toEqual(['help']);
    expect(complete('help', 's')).toEqual(['scan', 'ssh-check', 'ssh-agent-provider-check']);
    expect(complete('help', 'scan', '')).toEqual([]);
  });
  it('completes --flag=VALUE, which bash splits at the =', () => {
    expect(complete('scan', '--backend', '=', '')).toEqual(['pcscd', 'usb', 'auto']);
    expect(complete('scan', '--backend', '=', 'p')).toEqual(['pcscd']);
  });
  it('completes enumerated arguments; leaves other arguments and free flag values to file names', () => {
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
    expect(complete('ssh-check', '')).toEqual([]);
    expect(complete('doctor', '')).toEqual(['pcscd.socket', 'pcscd']);
    expect(complete('doctor', 'pcscd', 'pcscd.')).toEqual(['pcscd.socket']);
    expect(complete('udev-check', '')).toEqual([]);
    expect(complete('scan', '--socket', '')).toEqual([]);
    expect(complete('scan', '')).toEqual(['--readers', '-r', '--backend', '--socket', '--reader']);
  });
  it('asks the program being completed for reader names, each offered as one quoted word', () => {
    // A stand-in for pcsc (COMP_WORDS[0]): the real one is run in test/integration/completion-readers.test.ts.
    const dir = mkdtempSync(join(tmpdir(), 'pcsc-completion-unit-'));
    try {
      const prog = join(dir, 'fake-pcsc');
      writeFileSync(
        prog,
        `#!/bin/sh\n[ "$*" = "completion --values readers" ] && printf 'Virtual PCD 00 00\\nVirtual PCD 00 01\\nGemalto\\n'\n`,
        { mode: 0o755 },
      );
      const ask = (cur: string): string[] =>
        execFileSync('bash', [
          '-c',
          `${script}\nCOMP_WORDS=("$1" scan --reader "$2"); COMP_CWORD=3; _pcsc; printf '%s\\n' "\${COMPREPLY[@]}"`,
          'bash',
          prog,
          cur,
        ])
          .toString()
          .split('\n')
          .filter(Boolean);
      expect(ask('')).toEqual(['Virtual\\ PCD\\ 00\\ 00', 'Virtual\\ PCD\\ 00\\ 01', 'Gemalto']);
      expect(ask('Virtual\\ PCD\\ 00\\ 0')).toEqual(['Virtual\\ PCD\\ 00\\ 00', 'Virtual\\ PCD\\ 00\\ 01']);
      expect(ask('"Gem')).toEqual(['Gemalto']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('zsh completion', () => {
  const script = zshCompletion('pcsc', cmds);
  it('quotes descriptions so that quotes and brackets cannot break out', () => {
    expect(script).toContain(`'scan:List readers\\: pcsc_scan'\\''s \\[way\\]'`);
    expect(script).toContain(`--backend'[it'\\''s the backend]:backend:(pcscd usb auto)'`);
    expect(script).toContain('ssh-check|ssh-agent-provider-check)');
  });
  it('describes arguments: enumerated values, files, and any number for non-strict commands', () => {
    expect(script).toContain(`':shell:(bash zsh)'`);
    expect(script).toContain(`':provider:_files'`);
    expect(script).toContain(`'*:check:(pcscd.socket pcscd)'`);
    expect(script).toContain(`'*:argument:_files'`);
    expect(script).toContain(`--reader'[reader]:reader:_pcsc_values readers'`);
  });
});
