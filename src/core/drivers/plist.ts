// Apple XML property lists (the DTD "-//Apple//DTD PLIST 1.0//EN"), as pcsc-lite driver bundles'
// Info.plist files use them: dict, array, string, integer, real, true, false, data, date.

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/** Parses an XML plist; throws an Error naming what is wrong on malformed input. */
export function parsePlist(xml: string): PlistValue {
  const p = new Parser(
    xml
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<\?[\s\S]*?\?>/g, '')
      .replace(/<!DOCTYPE[^>]*>/g, ''),
  );
  p.skipSpace();
  const open = p.tag();
  if (open.name !== 'plist' || open.close) throw new Error('not a plist: no <plist> element');
  if (open.selfClosing) return {};
  const value = p.value();
  p.skipSpace();
  p.expectClose('plist');
  return value;
}

// Sticky expressions matched where the parser stands, on the whole text: a cold run (each `pcsc doctor`
// parses ifd-ccid's 58 KB Info.plist once) took 6-10 ms testing each space with a regex and slicing
// the text at each tag.
const SPACE = /\s*/y;
const TAG = /<(\/?)([A-Za-z]+)[^>]*?(\/?)>/y;
/** The longest tag taken, as when tags were looked for in a 200-character window. */
const MAX_TAG = 200;

interface Tag {
  name: string;
  close: boolean;
  selfClosing: boolean;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  skipSpace(): void {
    SPACE.lastIndex = this.i;
    SPACE.test(this.s);
    this.i = SPACE.lastIndex;
  }

  tag(): Tag {
    this.skipSpace();
    TAG.lastIndex = this.i;
    const m = TAG.exec(this.s);
    if (!m || m[0].length > MAX_TAG) throw new Error(`expected a tag at offset ${this.i}`);
    this.i += m[0].length;
    return { name: m[2] as string, close: m[1] === '/', selfClosing: m[3] === '/' };
  }

  expectClose(name: string): void {
    const t = this.tag();
    if (!t.close || t.name !== name) throw new Error(`expected </${name}>, found <${t.close ? '/' : ''}${t.name}>`);
  }

  text(name: string): string {
    const end = this.s.indexOf(`</${name}>`, this.i);
    if (end < 0) throw new Error(`unterminated <${name}>`);
    const raw = this.s.slice(this.i, end);
    this.i = end + name.length + 3;
    return decodeEntities(raw);
  }

  value(): PlistValue {
    const t = this.tag();
    if (t.close) throw new Error(`unexpected </${t.name}>`);
    switch (t.name) {
      case 'string':
        return t.selfClosing ? '' : this.text('string');
      case 'integer':
      case 'real': {
        const n = Number(this.text(t.name).trim());
        if (Number.isNaN(n)) throw new Error(`bad <${t.name}>`);
        return n;
      }
      case 'true':
      case 'false':
        if (!t.selfClosing) this.expectClose(t.name);
        return t.name === 'true';
      case 'data':
      case 'date':
        return t.selfClosing ? '' : this.text(t.name).trim();
      case 'array':
        return t.selfClosing ? [] : this.array();
      case 'dict':
        return t.selfClosing ? {} : this.dict();
      default:
        throw new Error(`unknown plist element <${t.name}>`);
    }
  }

  private peekClose(name: string): boolean {
    this.skipSpace();
    if (this.s.startsWith(`</${name}>`, this.i)) {
      this.i += name.length + 3;
      return true;
    }
    return false;
  }

  private array(): PlistValue[] {
    const out: PlistValue[] = [];
    while (!this.peekClose('array')) {
      if (this.i >= this.s.length) throw new Error('unterminated <array>');
      out.push(this.value());
    }
    return out;
  }

  private dict(): { [key: string]: PlistValue } {
    const out: { [key: string]: PlistValue } = {};
    while (!this.peekClose('dict')) {
      if (this.i >= this.s.length) throw new Error('unterminated <dict>');
      const k = this.tag();
      if (k.name !== 'key' || k.close)
        throw new Error(`expected <key> in <dict>, found <${k.close ? '/' : ''}${k.name}>`);
      const key = k.selfClosing ? '' : this.text('key');
      out[key] = this.value();
    }
    return out;
  }
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e] as string;
  });
}
