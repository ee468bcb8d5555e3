// Version negotiation against every pcscd release line (spec §9.2–9.4, Appendix D), on the fake.

import { describe, expect, it } from 'vitest';
import { RELEASE_LINES } from '../../fakes/releases.js';
import { READER, establish, guard, startFake, withCard } from './helpers.js';

guard();

describe.each(RELEASE_LINES)('pcscd $line', (line) => {
  it(`negotiates ${line.expected} and lists the readers`, async () => {
    const fake = await startFake({ version: line.version, slots: line.slots, readers: [withCard()] });
    const ctx = await establish(fake);
    expect(ctx.info.protocol).toBe(line.expected);
    expect(await ctx.listReaders()).toEqual([READER]);
    await ctx.release();
    expect(fake.violations).toEqual([]);
  });
});
