// CMD_VERSION decisions (docs/protocol.md#cmd_version-answers, docs/protocol.md#negotiation): accept, retry
// once with the daemon's own version, or fail; one case per daemon behaviour docs/protocol.md lists.

import { describe, expect, it } from 'vitest';
import { speaks, versionStep } from '../../../src/core/pcscd/negotiate.js';

const NOSVC = 0x8010001d;
const STOPPED = 0x8010001e;
const reply = (major: number, minor: number, rv: number): { major: number; minor: number; rv: number } => ({
  major,
  minor,
  rv,
});

describe('versionStep', () => {
  it.each([
    ['2.4.1 accepts 4:6 and says 4:5: speak 4:5', 6, reply(4, 5, 0), 5],
    ['2.5 accepts 4:5 (old API) and says 4:6: speak 4:5', 5, reply(4, 6, 0), 5],
    ['exact match 4:4', 4, reply(4, 4, 0), 4],
    ['exact match 4:2', 2, reply(4, 2, 0), 2],
  ])('accept: %s', (_what, sent, r, minor) => {
    expect(versionStep(sent, r, false)).toEqual({ kind: 'accept', minor });
  });

  it.each([
    ['1.8.26–2.4.0 answer 1E with their version', 6, reply(4, 4, STOPPED), 4],
    ['2.3.0–2.4.0 refuse 4:6', 6, reply(4, 5, STOPPED), 5],
    ['1.8.24–1.8.25 answer 1D', 6, reply(4, 4, NOSVC), 4],
    ['1.8.9–1.8.23 answer 1D with 4:3', 6, reply(4, 3, NOSVC), 3],
    ['1.6.5–1.8.8 answer 1D with 4:2', 5, reply(4, 2, NOSVC), 2],
  ])('retry: %s', (_what, sent, r, minor) => {
    expect(versionStep(sent, r, false)).toEqual({ kind: 'retry', minor });
  });

  it.each([
    ['major 5 with rv 0', 6, reply(5, 6, 0), false, 6, STOPPED],
    ['a second refusal', 4, reply(4, 4, STOPPED), true, 6, STOPPED],
    ['a refusal naming the version just sent', 4, reply(4, 4, STOPPED), false, 6, STOPPED],
    ['1D naming the version just sent: a proxy without its daemon', 6, reply(4, 6, NOSVC), false, 6, NOSVC],
    ['a future minor (4:7)', 6, reply(4, 7, STOPPED), false, 6, STOPPED],
    ['a minor older than 4:2', 6, reply(4, 1, NOSVC), false, 6, STOPPED],
    ['another major', 6, reply(3, 4, STOPPED), false, 6, STOPPED],
    ["a retry above the caller's newest minor", 4, reply(4, 5, STOPPED), false, 4, STOPPED],
    ['a real SCARD code other than a mismatch is kept', 6, reply(4, 4, 0x80100013), false, 6, 0x80100013],
    ['an rv that is no SCARD code (garbage)', 6, reply(4, 4, 0x12345678), false, 6, 0x80100013],
  ])('fail: %s', (_what, sent, r, retried, maxMinor, rv) => {
    const s = versionStep(sent, r, retried, maxMinor);
    expect(s.kind).toBe('fail');
    expect(s.kind === 'fail' && s.rv).toBe(rv);
  });
});

describe('speaks', () => {
  it("4:2 to 4:6, within the caller's newest", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((m) => speaks(m))).toEqual([false, true, true, true, true, true, false]);
    expect(speaks(5, 4)).toBe(false);
    expect(speaks(4, 4)).toBe(true);
  });
});
