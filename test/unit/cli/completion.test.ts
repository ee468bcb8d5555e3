import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bashCompletion, zshCompletion, type CompletionCommand } from '../../../src/cli/completion.js';

const cmds: CompletionCommand[] = [
  { id: 'scan', aliases: [], summary: "List readers: pcsc_scan's [way]", flags: [
    { name: 'readers', char: 'r', type: 'boolean', description: 'list readers' },
    { name: 'backend', type: 'option', options: ['pcscd', 'usb', 'auto'], description: "it's the backend" },
    { name: 'socket', type: 'option', description: 'socket path' },
  ] },
  { id: 'ssh-check', aliases: ['ssh-agent-provider-check'], flags: [] },
];

describe('bash completion', () => {
  const script = bashCompletion('pcsc', cmds);
  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
  });
  it('completes commands, aliases, flags and enumerated values', () => {
    const complete = (...words: string[]): string[] => {
      const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(pcsc ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _pcsc; printf '%s\\n' "\${COMPREPLY[@]}"`]);
      return out.toString().split('\n').filter(Boolean);
    };
    expect(complete('s')).toEqual(['scan', 'ssh-check', 'ssh-agent-provider-check']);
    expect(complete('scan', '--b')).toEqual(['--backend']);
    expect(complete('scan', '--backend', 'u')).toEqual(['usb']);
    expect(complete('scan', '-')).toContain('-r');
  });
});

describe('zsh completion', () => {
  const script = zshCompletion('pcsc', cmds);
  it('quotes descriptions so that quotes and brackets cannot break out', () => {
    expect(script).toContain(`'scan:List readers\\: pcsc_scan'\\''s \\[way\\]'`);
    expect(script).toContain(`--backend'[it'\\''s the backend]:backend:(pcscd usb auto)'`);
    expect(script).toContain('ssh-check|ssh-agent-provider-check)');
  });
});
