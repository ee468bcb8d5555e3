// The doctor's check words in the built oclif.manifest.json (scripts/manifest.js, withCheckWords in
// src/cli/completion/command.ts), which `pcsc completion` prints without loading the checks: they
// must be the checks' own ids and categories, so a check added, renamed or removed since the build
// fails here until `npm run build` writes them again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  completionCommands,
  lacksCheckWords,
  withCheckWords,
  type CompletableCommand,
} from '../../../src/cli/completion/command.js';
import { listChecks } from '../../../src/core/doctor/index.js';

const manifest = JSON.parse(readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: Record<string, CompletableCommand>;
  pcscSorted?: boolean;
};
const checks = listChecks();
const ids = checks.map((c) => c.id);
const categories = [...new Set(checks.map((c) => c.category))];

describe("the manifest's check words", () => {
  it("are the doctor checks' ids, in order, and their categories, once each", () => {
    expect(ids.length).toBeGreaterThan(10);
    expect(manifest.commands.doctor?.completeWords).toEqual({ ids, categories });
  });

  it('are given to every command that completes with them, and to no other', () => {
    for (const c of Object.values(manifest.commands)) {
      const wants = c.completeArgs === 'checks' || Object.values(c.completeFlags ?? {}).includes('categories');
      expect({ id: c.id, words: c.completeWords !== undefined }).toEqual({ id: c.id, words: wants });
      expect(lacksCheckWords(c)).toBe(false);
    }
  });

  it("complete doctor's ids argument and its --category flag", () => {
    const doctor = completionCommands(Object.values(manifest.commands)).find((c) => c.id === 'doctor');
    expect(doctor?.args?.[0]?.options).toEqual([...ids, ...categories]);
    expect(doctor?.flags.find((f) => f.name === 'category')?.options).toEqual(categories);
  });

  it("are in oclif's order of the commands (its Plugin sorts them by id, with localeCompare), as the manifest says", () => {
    // oclif's Plugin keeps the manifest's order when it says so (scripts/bundle.js, pluginSort).
    expect(manifest.pcscSorted).toBe(true);
    const order = Object.keys(manifest.commands);
    expect(order).toEqual([...order].sort((a, b) => a.localeCompare(b)));
    expect(Object.values(manifest.commands).map((c) => c.id)).toEqual(order);
  });
});

describe('withCheckWords', () => {
  const bare: CompletableCommand[] = [
    { id: 'doctor', completeArgs: 'checks' },
    { id: 'udev-check', completeFlags: { category: 'categories' } },
    { id: 'scan' },
  ];
  it('gives the words of listChecks to the commands that lack them, and leaves the others as they are', () => {
    let calls = 0;
    const list = (): readonly { id: string; category: string }[] => (
      calls++,
      [
        { id: 'a.one', category: 'a' },
        { id: 'b.two', category: 'b' },
        { id: 'a.three', category: 'a' },
      ]
    );
    const out = withCheckWords(bare, list);
    const words = { ids: ['a.one', 'b.two', 'a.three'], categories: ['a', 'b'] };
    expect(out.map((c) => c.completeWords)).toEqual([words, words, undefined]);
    expect(out[2]).toBe(bare[2]);
    expect(calls).toBe(1);
    expect(out.some(lacksCheckWords)).toBe(false);
    expect(bare.filter(lacksCheckWords).map((c) => c.id)).toEqual(['doctor', 'udev-check']);
  });
  it('loads no check when every command has its words', () => {
    const done = withCheckWords(Object.values(manifest.commands), () => {
      throw new Error('listChecks called');
    });
    expect(done).toEqual(Object.values(manifest.commands));
  });
});
