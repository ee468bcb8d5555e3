import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { evaluateRules, type UdevDevice } from '../../../src/core/udev/evaluate.js';
import { applyRuleCommands, readerRules, writeFileAtomic } from '../../../src/core/udev/rule-writer.js';
import { parseRules } from '../../../src/core/udev/rules-parse.js';
import { fixtureTree } from '../../helpers/fixture-tree.js';

const t = fixtureTree().dir('/etc/udev/rules.d');
afterAll(() => t.remove());

const dev = (vid: string, pid: string): UdevDevice => ({
  kernel: '1-2',
  subsystem: 'usb',
  driver: 'usb',
  devpath: '/devices/x/1-2',
  attrs: { idVendor: vid, idProduct: pid },
  env: { DEVTYPE: 'usb_device' },
  parents: [],
});

describe('the rule udev-check writes', () => {
  const text = readerRules([
    { vid: '08E6', pid: '3437', name: 'Gemalto\nPC Twin' },
    { vid: '08e6', pid: '3437', name: 'dup' },
    { vid: '04e6', pid: '5291', name: 'SCL010' },
  ]);
  const rules = parseRules(text, '/etc/udev/rules.d/93-pcsc-readers.rules');

  it('parses, one line per VID:PID, names on comment lines only', () => {
    expect(rules.filter((r) => r.invalid)).toEqual([]);
    expect(text.match(/GROUP="pcscd", MODE="0664"/g)).toHaveLength(2);
    expect(text).toContain('# Gemalto PC Twin\n');
  });

  it('gives the group on add, change and bind, and nothing to other devices', () => {
    for (const action of ['add', 'change', 'bind']) {
      const o = evaluateRules(rules, dev('08e6', '3437'), { action });
      expect(o.group?.value, action).toBe('pcscd');
      expect(o.mode?.value).toBe('0664');
    }
    expect(evaluateRules(rules, dev('08e6', '3437'), { action: 'remove' }).group).toBeUndefined();
    expect(evaluateRules(rules, dev('046d', 'c52b'), { action: 'add' }).group).toBeUndefined();
  });

  it('comes with the commands that apply it to plugged-in readers, as root on this machine', () => {
    const readers = [
      { vid: '08E6', pid: '1', name: '' },
      { vid: '08e6', pid: '2', name: '' },
    ];
    expect(applyRuleCommands(readers, { elevate: 'sudo' })).toEqual([
      'sudo udevadm control --reload-rules',
      'sudo udevadm trigger --action=add --subsystem-match=usb --attr-match=idVendor=08e6',
    ]);
    expect(applyRuleCommands(readers, { elevate: 'root' })).toEqual([
      'udevadm control --reload-rules',
      'udevadm trigger --action=add --subsystem-match=usb --attr-match=idVendor=08e6',
    ]);
  });
});

describe('writeFileAtomic', () => {
  const path = `${t.root}/etc/udev/rules.d/93-pcsc-readers.rules`;
  it('writes a new file with mode 0644 and leaves no temporary file', async () => {
    await writeFileAtomic(path, 'first\n');
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(`${t.root}/etc/udev/rules.d`)).toEqual(['93-pcsc-readers.rules']);
  });
  it('refuses to replace an existing file without force', async () => {
    const e = await writeFileAtomic(path, 'second\n').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`${path} exists; add --force to replace it`);
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(readdirSync(`${t.root}/etc/udev/rules.d`)).toEqual(['93-pcsc-readers.rules']);
  });
  it('replaces it with force', async () => {
    await writeFileAtomic(path, 'third\n', { force: true });
    expect(readFileSync(path, 'utf8')).toBe('third\n');
  });
  it('says why it cannot write, in one line', async () => {
    await expect(writeFileAtomic(`${t.root}/no/such/dir/x.rules`, 'x')).rejects.toThrow(
      /^cannot write .*: no such directory$/,
    );
    writeFileSync(`${t.root}/file`, '');
    await expect(writeFileAtomic(`${t.root}/file/x.rules`, 'x')).rejects.toThrow(UsageError);
  });
  it('refuses a directory in one line, with or without force, and leaves nothing behind', async () => {
    const dir = `${t.root}/etc/udev/rules.d`;
    for (const force of [false, true]) {
      const e = await writeFileAtomic(dir, 'x', { force }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).toBe(`cannot write ${dir}: it is a directory`);
    }
    expect(readdirSync(`${t.root}/etc/udev`)).toEqual(['rules.d']);
  });
});
