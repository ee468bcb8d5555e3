// The one-line message oclif's parser errors become (src/cli/errors.ts).
import { Parser } from '@oclif/core';
import * as Flags from '@oclif/core/flags';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../../src/cli/errors.js';

async function parseError(argv: string[]): Promise<unknown> {
  const flags = { count: Flags.integer({ min: 1 }), a: Flags.boolean({ exclusive: ['b'] }), b: Flags.boolean() };
  return Parser.parse(argv, { flags }).then(
    () => new Error('parsed'),
    (e: unknown) => e,
  );
}

describe('describeFailure on parser errors', () => {
  it('a bad flag value keeps the reason on the same line', async () => {
    const f = describeFailure(await parseError(['--count', '0']));
    expect(f.exitCode).toBe(2);
    expect(f.message).toBe('Parsing --count: Expected an integer greater than or equal to 1 but received: 0');
    expect(f.json).toEqual({ code: 'EUSAGE', name: 'USAGE', message: f.message });
    expect(describeFailure(await parseError(['--count', 'x'])).message).toBe(
      'Parsing --count: Expected an integer but received: x',
    );
  });

  it('flags that exclude each other: the useful line, without the heading', async () => {
    expect(describeFailure(await parseError(['--a', '--b'])).message).toBe(
      '--b=true cannot also be provided when using --a',
    );
  });
});
