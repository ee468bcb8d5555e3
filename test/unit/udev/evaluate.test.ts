import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRules, type UdevDevice } from '../../../src/core/udev/evaluate.js';
import { udevMatch } from '../../../src/core/udev/glob.js';
import { parseRules, referencedNames } from '../../../src/core/udev/rules-parse.js';

function device(vid: string, pid: string, interfaces: string, extra: Partial<UdevDevice> = {}): UdevDevice {
  return {
    kernel: '1-2',
    subsystem: 'usb',
    driver: 'usb',
    devpath: '/devices/pci0000:00/0000:00:14.0/usb1/1-2',
    attrs: { idVendor: vid, idProduct: pid },
    files: new Set(['power/control', 'power/persist']),
    env: { DEVTYPE: 'usb_device', ID_USB_INTERFACES: interfaces },
    parents: [{ kernel: 'usb1', subsystem: 'usb', driver: 'usb', attrs: { idVendor: '1d6b', idProduct: '0002' } }],
    ...extra,
  };
}

// Our own rules in the shape libccid ≥ 1.8.0 ships: "remove" is the only action skipped.
const RULES_18 = `# reader rules, new header
ACTION=="remove", GOTO="ccid_end"
SUBSYSTEM!="usb", GOTO="ccid_end"
ENV{DEVTYPE}!="usb_device", GOTO="ccid_end"

ENV{ID_USB_INTERFACES}=="*:0b0000:*", GROUP="pcscd"
ATTRS{idVendor}=="04e6", ATTRS{idProduct}=="5291", GROUP="pcscd"
LABEL="ccid_end"
`;
// The header libccid used before 1.8.0: anything but "add" leaves, so "change" events lose the group.
const RULES_17 = RULES_18.replace('ACTION=="remove"', 'ACTION!="add"');

describe('udev glob patterns', () => {
  it('matches *, ?, classes and | alternatives over the whole value', () => {
    expect(udevMatch('*:0b0000:*', ':030101:0b0000:')).toBe(true);
    expect(udevMatch('*:0b0000:*', ':0b0001:')).toBe(false);
    expect(udevMatch(':0b0000:', ':030000:0b0000:')).toBe(false);
    expect(udevMatch('add|change', 'change')).toBe(true);
    expect(udevMatch('add|change', 'bind')).toBe(false);
    expect(udevMatch('1-?', '1-3')).toBe(true);
    expect(udevMatch('1-[0-9]', '1-a')).toBe(false);
    expect(udevMatch('1-[!0-9]', '1-a')).toBe(true);
    expect(udevMatch('a.b', 'axb')).toBe(false);
    expect(udevMatch('', '')).toBe(true);
    expect(udevMatch('046a', '046A')).toBe(false); // case-sensitive: libccid 1.7.0's upper-case IDs never matched
  });
});

describe('parsing rules files', () => {
  it('reads tokens, continuation lines and line numbers', () => {
    const rules = parseRules(
      '# c\n\nKERNEL=="1-3", \\\n  ENV{PCSCLITE_IGNORE}="1"\nATTRS{idVendor}=="04e6", MODE:="0660", TAG+="uaccess"\n',
      'f.rules',
    );
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({
      line: 3,
      tokens: [
        { key: 'KERNEL', op: '==', value: '1-3' },
        { key: 'ENV', attr: 'PCSCLITE_IGNORE', op: '=', value: '1' },
      ],
    });
    expect(rules[1]?.tokens.map((t) => `${t.key}${t.op}${t.value}`)).toEqual([
      'ATTRS==04e6',
      'MODE:=0660',
      'TAG+=uaccess',
    ]);
  });
  it('marks lines it cannot parse instead of failing', () => {
    const [r] = parseRules('SUBSYSTEM=="usb" GROUP=pcscd\n', 'f.rules');
    expect(r?.invalid).toMatch(/cannot parse/);
    expect(evaluateRules([r!], device('04e6', '5291', ':0b0000:'), { action: 'add' }).group).toBeUndefined();
  });
  it('lists the attributes and TEST paths rules compare', () => {
    const n = referencedNames(
      parseRules('ATTRS{idVendor}=="x", ATTR{power/control}="auto", TEST=="power/persist"\n', 'f'),
    );
    expect([...n.attrs]).toEqual(['idVendor']);
    expect([...n.tests]).toEqual(['power/persist']);
  });
});

describe('evaluating reader rules', () => {
  const r18 = parseRules(RULES_18, '/usr/lib/udev/rules.d/92-libccid.rules');
  const r17 = parseRules(RULES_17, '/usr/lib/udev/rules.d/92-libccid.rules');

  it('finds the line that sets the group of a class-0x0B reader', () => {
    const o = evaluateRules(r18, device('08e6', '3437', ':0b0000:'), { action: 'add' });
    expect(o.group).toEqual({ value: 'pcscd', file: '/usr/lib/udev/rules.d/92-libccid.rules', line: 6 });
    expect(o.mode).toBeUndefined();
  });

  it('matches vendor/product lines for readers without a CCID interface', () => {
    expect(evaluateRules(r18, device('04e6', '5291', ':ff0000:'), { action: 'add' }).group?.line).toBe(7);
    expect(evaluateRules(r18, device('04e6', '5292', ':ff0000:'), { action: 'add' }).group).toBeUndefined();
  });

  it('keeps the group on change events with the new header and loses it with the old one', () => {
    const d = device('08e6', '3437', ':0b0000:');
    expect(evaluateRules(r18, d, { action: 'change' }).group?.value).toBe('pcscd');
    expect(evaluateRules(r18, d, { action: 'bind' }).group?.value).toBe('pcscd');
    expect(evaluateRules(r17, d, { action: 'add' }).group?.value).toBe('pcscd');
    expect(evaluateRules(r17, d, { action: 'change' }).group).toBeUndefined();
  });

  it('skips non-USB devices through GOTO', () => {
    const o = evaluateRules(
      r18,
      device('08e6', '3437', ':0b0000:', { env: { DEVTYPE: 'usb_interface', ID_USB_INTERFACES: ':0b0000:' } }),
      { action: 'add' },
    );
    expect(o.group).toBeUndefined();
    expect(o.matched.map((m) => m.line)).toEqual([4, 8]);
  });

  it('matches ATTRS on a parent, all keys on the same parent', () => {
    const rules = parseRules(
      'ATTRS{idVendor}=="1d6b", ATTRS{idProduct}=="0002", GROUP="hub"\nATTRS{idVendor}=="1d6b", ATTRS{idProduct}=="3437", GROUP="mixed"\n',
      'f',
    );
    const o = evaluateRules(rules, device('08e6', '3437', ''), { action: 'add' });
    expect(o.group?.value).toBe('hub');
  });

  it('lets := make an assignment final', () => {
    const rules = parseRules(
      'SUBSYSTEM=="usb", MODE:="0660", GROUP="a"\nSUBSYSTEM=="usb", MODE="0666", GROUP="b"\n',
      'f',
    );
    const o = evaluateRules(rules, device('1', '2', ''), { action: 'add' });
    expect(o.mode?.value).toBe('0660');
    expect(o.group?.value).toBe('b');
  });

  it('sets properties that later rules and pcscd read (PCSCLITE_IGNORE)', () => {
    const rules = parseRules(
      'ACTION!="remove|unbind", SUBSYSTEM=="usb", KERNEL=="1-2", ENV{PCSCLITE_IGNORE}="1"\nENV{PCSCLITE_IGNORE}=="1", TAG+="ignored"\n',
      '/etc/udev/rules.d/99-ignore.rules',
    );
    const o = evaluateRules(rules, device('08e6', '3437', ':0b0000:'), { action: 'add' });
    expect(o.env.PCSCLITE_IGNORE).toBe('1');
    expect(o.envSetBy.PCSCLITE_IGNORE).toEqual({ value: '1', file: '/etc/udev/rules.d/99-ignore.rules', line: 1 });
    expect(o.tags).toEqual(['ignored']);
    expect(
      evaluateRules(rules, device('08e6', '3437', ':0b0000:', { kernel: '1-3' }), { action: 'add' }).env
        .PCSCLITE_IGNORE,
    ).toBeUndefined();
  });

  it('drops a line whose group udev refuses, and says why', () => {
    const o = evaluateRules(r18, device('08e6', '3437', ':0b0000:'), {
      action: 'add',
      groupUsable: (g) => (g === 'pcscd' ? { ok: false, why: 'unknown group "pcscd"' } : { ok: true }),
    });
    expect(o.group).toBeUndefined();
    expect(o.notes).toEqual([
      '/usr/lib/udev/rules.d/92-libccid.rules:6: udev ignores this line: unknown group "pcscd"',
    ]);
  });

  it('ignores a GOTO without its LABEL, as udev does', () => {
    const rules = parseRules('SUBSYSTEM=="usb", GOTO="nowhere"\nSUBSYSTEM=="usb", GROUP="g"\n', 'f');
    const o = evaluateRules(rules, device('1', '2', ''), { action: 'add' });
    expect(o.group?.value).toBe('g');
    expect(o.notes[0]).toMatch(/no LABEL/);
  });

  it('does not guess PROGRAM results', () => {
    const rules = parseRules('PROGRAM=="/bin/true", GROUP="g"\n', 'f');
    const o = evaluateRules(rules, device('1', '2', ''), { action: 'add' });
    expect(o.group).toBeUndefined();
    expect(o.notes[0]).toMatch(/PROGRAM/);
  });

  it('stops at OPTIONS+="last_rule"', () => {
    const rules = parseRules('SUBSYSTEM=="usb", OPTIONS+="last_rule"\nSUBSYSTEM=="usb", GROUP="g"\n', 'f');
    expect(evaluateRules(rules, device('1', '2', ''), { action: 'add' }).group).toBeUndefined();
  });
});

describe("Debian's installed libccid rules (/lib/udev/rules.d/92-libccid.rules)", () => {
  const path = '/lib/udev/rules.d/92-libccid.rules';
  it('are installed', () => {
    expect(existsSync(path), `${path} is missing: apt-get install libccid`).toBe(true);
  });
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const rules = parseRules(text, path);
  const lineOf = (needle: string): number =>
    text.split('\n').findIndex((l) => l.includes(needle) && !l.startsWith('#')) + 1;

  it('parse without invalid lines', () => {
    expect(rules.length).toBeGreaterThan(3);
    expect(rules.filter((r) => r.invalid)).toEqual([]);
  });

  it('run a single-interface CCID reader to the power-management line on "add"', () => {
    const o = evaluateRules(rules, device('08e6', '3437', ':0b0000:'), { action: 'add' });
    const power = lineOf('power/control');
    expect(power).toBeGreaterThan(0);
    expect(o.matched.map((m) => m.line)).toContain(power);
    expect(o.notes).toEqual([]);
  });

  it('leave a device with the autosuspend exception through its GOTO', () => {
    const o = evaluateRules(rules, device('0783', '0003', ':0b0000:'), { action: 'add' });
    expect(o.matched.map((m) => m.line)).not.toContain(lineOf('power/control'));
    expect(o.matched.at(-1)?.line).toBe(lineOf('LABEL='));
  });

  it('say which version of the header they carry', () => {
    // Debian 12 ships libccid 1.5.2: the "add"-only header, and no GROUP at all.
    const header = rules.find((r) => r.tokens[0]?.key === 'ACTION');
    expect(header?.tokens[0]).toMatchObject({ op: expect.stringMatching(/^(!=|==)$/) });
    const o = evaluateRules(rules, device('08e6', '3437', ':0b0000:'), {
      action: header?.tokens[0]?.op === '!=' ? 'change' : 'remove',
    });
    expect(o.matched.map((m) => m.line)).toEqual([header?.line, lineOf('LABEL=')]);
  });
});
