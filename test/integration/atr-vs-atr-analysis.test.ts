// Our ATR analysis and names against Debian's ATR_analysis (pcsc-tools), on ATRs taken from the
// installed smartcard_list.txt: the facts must agree (Fi/Di, protocols, TCK verdict, historical
// bytes, compact-TLV tags, IFSC/BWI/CWI, T=15 clock stop and classes, every name). Wording differs.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeAtr } from '../../src/core/card/atr.js';
import { atrListSearchPath, loadAtrList, type AtrList } from '../../src/core/atr-list/list.js';
import { hex } from '../helpers/hex.js';

const run = promisify(execFile);
const SYSTEM_LIST = '/usr/share/pcsc/smartcard_list.txt';
const ATR_ANALYSIS = '/usr/bin/ATR_analysis';

function requireTools(): void {
  const missing = [ATR_ANALYSIS, SYSTEM_LIST].filter((f) => !existsSync(f));
  if (missing.length)
    throw new Error(`missing ${missing.join(', ')}: install Debian's pcsc-tools (apt-get install pcsc-tools)`);
}

let home: string;
let env: NodeJS.ProcessEnv;
let list: AtrList;

/** Facts read from ATR_analysis's output. */
interface Facts {
  fi?: string;
  di?: string;
  /** T of every TD, in order (15 included). */
  tds: number[];
  tck?: { ok: boolean; expected?: string };
  historical?: string;
  category?: string;
  tags: string[];
  ifsc?: number;
  bwi?: number;
  cwi?: number;
  clockStop?: string;
  classes?: string[];
  truncated: boolean;
  tooLong: boolean;
  /** The "Possibly identified card" part: pattern lines and descriptions, in order. */
  ident: string[];
  /** False when it quit before the lookup (it stops as soon as the bytes run out after T0/TDi). */
  lookedUp: boolean;
}

function parseAtrAnalysis(text: string): Facts {
  const f: Facts = { tds: [], tags: [], truncated: false, tooLong: false, ident: [], lookedUp: false };
  // eslint-disable-next-line no-control-regex -- ATR_analysis colours its output with ANSI escapes
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  let t = 0;
  let inIdent = false;
  for (const line of lines) {
    let m;
    if (inIdent) {
      if (line === '') break;
      f.ident.push(line.startsWith('\t') ? 'NAME ' + line.slice(1) : 'PATTERN ' + line);
      continue;
    }
    if (line.startsWith('Possibly identified card')) inIdent = f.lookedUp = true;
    else if ((m = /TA\(1\) = .. --> Fi=(\S+), Di=([^,\s]+)/.exec(line))) [f.fi, f.di] = [m[1], m[2]];
    else if ((m = /TD\(\d+\) = .. --> .*Protocol T = (\d+)/.exec(line))) f.tds.push((t = Number(m[1])));
    else if ((m = /\+ TCK = (..) \((correct checksum)\)/.exec(line))) f.tck = { ok: true };
    else if ((m = /\+ TCK = .. WRONG CHECKSUM, expected (..)/.exec(line))) f.tck = { ok: false, expected: m[1] };
    else if ((m = /^\+ Historical bytes: ?(.*)$/.exec(line))) f.historical = (m[1] ?? '').trim();
    else if ((m = /Category indicator byte: (..)/.exec(line))) f.category = m[1];
    else if ((m = /^ {4}Tag: (.), len: (.)/.exec(line))) f.tags.push(`${m[1]}${m[2]}`);
    else if ((m = /IFSC: (\d+)/.exec(line)) && f.ifsc === undefined) f.ifsc = Number(m[1]);
    else if ((m = /Block Waiting Integer: (\d+) - Character Waiting Integer: (\d+)/.exec(line)) && f.bwi === undefined)
      [f.bwi, f.cwi] = [Number(m[1]), Number(m[2])];
    else if (
      (m = /Clock stop: (.+) - Class accepted by the card: \(3G\) ?(.*)$/.exec(line)) &&
      t === 15 &&
      f.clockStop === undefined
    ) {
      f.clockStop = m[1];
      f.classes = (m[2] ?? '').split(/\s+/).filter((x) => /^[A-E]$/.test(x));
    } else if (/ERROR! ATR is truncated/.test(line)) f.truncated = true;
    else if (/ERROR! ATR is too long/.test(line)) f.tooLong = true;
  }
  // It prints a lone "NONE" description when nothing matched.
  if (f.ident.length === 1 && f.ident[0] === 'NAME NONE') f.ident = [];
  return f;
}

async function atrAnalysis(atr: string): Promise<Facts> {
  const { stdout } = await run(ATR_ANALYSIS, atr.split(' '), { env, timeout: 20_000 });
  return parseAtrAnalysis(stdout);
}

/** What ATR_analysis prints for our matches: the ATR line when a pattern is a regex, the pattern, its names. */
function ourIdent(atr: string): string[] {
  const out: string[] = [];
  for (const m of list.match(hex(atr))) {
    if (m.pattern.toUpperCase() !== atr) out.push('PATTERN ' + atr);
    // Names, then the lines that are web addresses (ATR_analysis prints them in list order).
    out.push('PATTERN ' + m.pattern, ...[...m.names, ...m.urls].map((n) => 'NAME ' + n));
  }
  return out;
}

/** Identification lines with each pattern's NAME lines sorted: ours list a pattern's web addresses after its names. */
function byPattern(lines: string[]): string[] {
  const out: string[] = [];
  let names: string[] = [];
  const flush = (): void => {
    out.push(...names.sort());
    names = [];
  };
  for (const l of lines) {
    if (l.startsWith('NAME ')) names.push(l);
    else {
      flush();
      out.push(l);
    }
  }
  flush();
  return out;
}

function compare(atr: string, f: Facts): void {
  const a = analyzeAtr(hex(atr));
  const where = `ATR ${atr}`;
  if (f.fi !== undefined) {
    expect(String(a.transmission.fi ?? 'RFU'), where).toBe(f.fi);
    expect(String(a.transmission.di ?? 'RFU'), where).toBe(f.di);
  } else {
    expect(a.transmission.default, where).toBe(true);
  }
  const offered = [...new Set(f.tds.filter((x) => x !== 15))];
  expect(a.protocols, where).toEqual(offered.length ? offered.map((x) => `T=${x}`) : ['T=0']);
  expect(a.t15, where).toBe(f.tds.includes(15));
  if (!f.truncated && !f.tooLong) {
    expect(a.tck.present, where).toBe(f.tck !== undefined);
    if (f.tck) {
      expect(a.tck.valid, where).toBe(f.tck.ok);
      if (!f.tck.ok) expect(a.tck.expected, where).toBe(f.tck.expected);
    }
    expect(a.historical.bytes.replace(/(..)(?!$)/g, '$1 '), where).toBe(f.historical ?? '');
    expect(a.historical.category ?? undefined, where).toBe(f.category);
    // ATR_analysis reads an unknown tag's length as a Perl number, so "C" counts as 0 and the value
    // is parsed as more tags; it also takes tag 3 as 1 byte whatever its length. Compare the tag
    // lists only where neither of its quirks applies.
    const plain =
      a.historical.problems.length === 0 &&
      a.historical.objects.every(
        (o) =>
          [1, 2, 4, 5, 6, 15].includes(o.tag) ||
          (o.tag === 3 && o.length === 1) ||
          ((o.tag === 7 || o.tag === 8) && o.length >= 1 && o.length <= 3),
      );
    if (plain && (a.historical.format === 'compact-tlv' || a.historical.format === 'compact-tlv+status')) {
      expect(
        a.historical.objects.map((o) => `${o.tag.toString(16).toUpperCase()}${o.length.toString(16).toUpperCase()}`),
        where,
      ).toEqual(f.tags);
    }
  }
  // Truncation: where ATR_analysis sees it, so do we. We also see what it does not look for: a
  // missing TCK (it never requires one), and interface bytes cut off (it stops without a word).
  const ours = a.problems.filter((p) => p.includes('truncated'));
  if (f.truncated) expect(ours.length, where).toBe(1);
  else for (const p of ours) expect(p.includes('(TCK)') || f.historical === undefined, `${where}: ${p}`).toBe(true);
  if (f.ifsc !== undefined) expect(a.t1?.ifsc, where).toBe(f.ifsc);
  if (f.bwi !== undefined) expect([a.t1?.bwi, a.t1?.cwi], where).toEqual([f.bwi, f.cwi]);
  if (f.clockStop !== undefined) {
    expect(a.clockStop, where).toBe(f.clockStop);
    expect(a.classes, where).toEqual(f.classes?.filter((c) => c <= 'C'));
  }
  if (f.lookedUp) expect(byPattern(ourIdent(atr)), where).toEqual(byPattern(f.ident));
  else expect(f.historical, `${where}: ATR_analysis skipped the lookup only when it quit early`).toBeUndefined();
}

/** A deterministic sample of the list's plain (non-regex) ATRs: every n-th, plus chosen kinds. */
async function sampleAtrs(): Promise<string[]> {
  const text = await readFile(SYSTEM_LIST, 'utf8');
  const plain = text.split('\n').filter((l) => /^[0-9A-F]{2}( [0-9A-F]{2})+$/.test(l));
  const pick = new Set<string>();
  // PCSC_ATR_FULL=1 checks every plain ATR of the list (a few minutes) instead of a sample.
  const step = process.env.PCSC_ATR_FULL === '1' ? 1 : Math.max(1, Math.floor(plain.length / 60));
  for (let i = 0; i < plain.length; i += step) pick.add(plain[i] as string);
  // Kinds the sample must hold whatever the list's order: contactless PC/SC storage cards,
  // ATRs whose 3rd TD would name T=15 (…F in a TD position is hard to spot without parsing, so
  // take those ATR_analysis itself reports below), and short T=0-only ones.
  for (const l of plain.filter((x) => x.startsWith('3B 8F 80 01 80 4F 0C A0 00 00 03 06')).slice(0, 6)) pick.add(l);
  for (const l of plain.filter((x) => / 1F /.test(x) || / 3F /.test(x) || / 5F /.test(x)).slice(0, 15)) pick.add(l);
  for (const l of plain.filter((x) => /^3B 0/.test(x)).slice(0, 6)) pick.add(l);
  for (const l of plain.filter((x) => /^3F /.test(x)).slice(0, 6)) pick.add(l);
  return [...pick];
}

beforeAll(async () => {
  requireTools();
  home = await mkdtemp(join(tmpdir(), 'pcsc-atr-home-'));
  const cache = join(home, 'cache');
  await mkdir(cache);
  // Both tools read this copy (fresh, so ATR_analysis never tries to download a newer one).
  await copyFile(SYSTEM_LIST, join(cache, 'smartcard_list.txt'));
  env = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: cache, LANG: 'C' };
  const first = atrListSearchPath(env)[0] as string;
  expect(first).toBe(join(cache, 'smartcard_list.txt'));
  list = await loadAtrList(first);
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe('ATR analysis agrees with ATR_analysis', () => {
  it('on a sample of the ATR list covering T=0, T=1, T=15 and contactless cards', { timeout: 900_000 }, async () => {
    const atrs = await sampleAtrs();
    const facts = new Map<string, Facts>();
    for (let i = 0; i < atrs.length; i += 2) {
      const batch = atrs.slice(i, i + 2);
      const got = await Promise.all(batch.map((a) => atrAnalysis(a)));
      batch.forEach((a, j) => facts.set(a, got[j] as Facts));
    }
    const failures: string[] = [];
    for (const [atr, f] of facts) {
      try {
        compare(atr, f);
      } catch (e) {
        failures.push((e as Error).message.split('\n')[0] as string);
      }
    }
    expect(failures, `${failures.length} of ${facts.size} ATRs disagree`).toEqual([]);
    // The sample really covers the kinds the issue names (as ATR_analysis itself reports them).
    const all = [...facts.values()];
    expect(all.some((f) => f.tds.length === 0)).toBe(true);
    expect(all.some((f) => f.tds.includes(1))).toBe(true);
    expect(all.some((f) => f.tds.includes(15))).toBe(true);
    expect(all.some((f) => f.clockStop !== undefined)).toBe(true);
    expect([...facts.keys()].some((a) => a.includes('A0 00 00 03 06'))).toBe(true);
    expect(all.some((f) => f.tck && !f.tck.ok) || all.every((f) => !f.tck || f.tck.ok)).toBe(true);
    expect(facts.size).toBeGreaterThan(60);
    expect(all.filter((f) => f.lookedUp && f.ident.length > 0).length).toBeGreaterThan(50);
  });

  it('on ATRs with a wrong TCK and a missing historical byte', async () => {
    for (const atr of [
      '3B 95 13 81 01 80 73 FF 01 00 0C',
      '3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 69',
    ]) {
      const f = await atrAnalysis(atr);
      expect(f.tck?.ok).toBe(false);
      compare(atr, f);
    }
    const f = await atrAnalysis('3B 02 14');
    expect(f.truncated).toBe(true);
    expect(analyzeAtr(Buffer.from('3B0214', 'hex')).problems.join()).toMatch(/truncated/);
  });
});
