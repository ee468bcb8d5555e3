// Terminal styling (src/cli/style.ts): when colour is on, and that the style without colour (which
// spares loading chalk) prints what chalk prints at level 0, and the style with colour chalk's own.

import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { makeStyle, PLAIN, useColor, type Style } from '../../../src/cli/style.js';

const NAMES: (keyof Style)[] = ['bold', 'dim', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan'];
const TEXTS = ['FAIL', '', 'two\nlines', 'ünïcode « » 00 00', '\u001b[31mred inside\u001b[39m'];
const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('useColor', () => {
  it.each([
    ['a terminal', tty, {}, true],
    ['a pipe', pipe, {}, false],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, false],
    ['an empty NO_COLOR', tty, { NO_COLOR: '' }, true],
    ['FORCE_COLOR on a pipe', pipe, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false on a terminal', tty, { FORCE_COLOR: 'false' }, false],
    ['FORCE_COLOR= (empty) on a pipe', pipe, { FORCE_COLOR: '' }, true],
    ['NO_COLOR wins over FORCE_COLOR', tty, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    ['TERM=dumb', tty, { TERM: 'dumb' }, false],
  ])('%s', (_what, stream, env, want) => {
    expect(useColor(stream, env)).toBe(want);
  });
});

describe('makeStyle', () => {
  it('without colour: the plain style, each text as chalk prints it at level 0', async () => {
    const style = await makeStyle(false);
    expect(style).toBe(PLAIN);
    const chalk = new Chalk({ level: 0 });
    for (const name of NAMES) for (const text of TEXTS) expect(style[name](text)).toBe(chalk[name](text));
  });

  it('with colour: chalk at level 1 (16 colours)', async () => {
    const style = await makeStyle(true);
    const chalk = new Chalk({ level: 1 });
    for (const name of NAMES) for (const text of TEXTS) expect(style[name](text)).toBe(chalk[name](text));
    expect(style.red('FAIL')).toBe('\u001b[31mFAIL\u001b[39m');
  });
});
