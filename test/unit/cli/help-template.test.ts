// oclif's help templates without ejs (src/cli/help-template.ts): the same string ejs makes, for every
// text of every command's help, or undefined (and ejs renders it as before).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderPlain } from '../../../src/cli/help-template.js';

const require = createRequire(import.meta.url);
const ejs = require('ejs') as { render(t: string, data: object): string };
const manifest = JSON.parse(readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: Record<string, Record<string, unknown>>;
};

/** Every string in the manifest's commands: descriptions, summaries, examples, flag and arg texts. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

const context = { config: { bin: 'pcsc' }, command: { id: 'scan' } };

describe('renderPlain', () => {
  const texts = [...new Set(strings(manifest.commands))];

  it('renders every text of the help as ejs does, and takes every one', () => {
    expect(texts.length).toBeGreaterThan(100);
    expect(texts.some((t) => t.includes('<%= config.bin %>'))).toBe(true);
    for (const t of texts) {
      expect(renderPlain(t, context), t).toBe(ejs.render(t, context));
    }
  });

  it.each([
    '',
    'plain\ntext\r\n with  spaces \n\n',
    '<%= config.bin %>',
    'a <%= config.bin %> b <%= config.bin %>\n<%= config.bin %>',
    '$ <%= config.bin %> <%= command.id %> [--json] [-r | -c]\n  [--socket PATH]',
    '… → µs «»',
  ])('%j: as ejs', (t) => {
    expect(renderPlain(t, context)).toBe(ejs.render(t, context));
  });

  it("escapes the bin's name and the command's id as ejs does", () => {
    const odd = { config: { bin: `a&b<c>"d'` }, command: { id: `<x&y>` } };
    const t = 'x <%= config.bin %> y <%= command.id %>';
    expect(renderPlain(t, odd)).toBe(ejs.render(t, odd));
  });

  it.each(['<%= config.name %>', '<%- config.bin %>', '<% if (1) { %>x<% } %>', 'a %> b', '<%% x', '<%=config.bin%>'])(
    '%j: left to ejs',
    (t) => {
      expect(renderPlain(t, context)).toBeUndefined();
    },
  );

  it('a bin or an id that is no string: left to ejs', () => {
    expect(renderPlain('<%= config.bin %>', { config: { bin: 3 } })).toBeUndefined();
    expect(renderPlain('<%= command.id %>', { config: { bin: 'pcsc' } })).toBeUndefined();
  });

  it("renders oclif's usage line of every command as ejs does", () => {
    for (const id of Object.keys(manifest.commands)) {
      const usage = `$ <%= config.bin %> <%= command.id %> [--json] [-r]`;
      const ctx = { config: { bin: 'pcsc' }, command: { id } };
      expect(renderPlain(usage, ctx)).toBe(ejs.render(usage, ctx));
    }
  });
});
