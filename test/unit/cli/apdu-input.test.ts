// Where `pcsc apdu` takes its APDUs from, and how its flags become run options.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherItems } from '../../../src/cli/apdu/input.js';
import { prepare, type ApduFlags } from '../../../src/cli/apdu/options.js';

const dir = mkdtempSync(join(tmpdir(), 'pcsc-apdu-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
const piped = (text: string): NodeJS.ReadStream =>
  Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }) as unknown as NodeJS.ReadStream;
const tty = (): NodeJS.ReadStream => Object.assign(Readable.from([]), { isTTY: true }) as unknown as NodeJS.ReadStream;
const base: ApduFlags = { transaction: true, raw: false, validate: true, 'show-secrets': false };

describe('gatherItems', () => {
  it('takes arguments in order, --select first', async () => {
    const items = await gatherItems({
      args: ['00B00000', '00B00001=9000'],
      select: 'A000000308',
      validate: true,
      stdin: tty(),
    });
    expect(items.map((i) => (i.kind === 'apdu' ? hex(i.bytes) : i.kind))).toEqual([
      '00A4040005A00000030800',
      '00B00000',
      '00B00001',
    ]);
  });

  it('reads a file, and stdin when it is not a terminal', async () => {
    const f = join(dir, 'a.apdu');
    writeFileSync(f, '00B00000\nreset\n');
    expect((await gatherItems({ args: [], file: f, validate: true })).map((i) => i.kind)).toEqual(['apdu', 'reset']);
    expect((await gatherItems({ args: [], validate: true, stdin: piped('00B00000\n00B00001\n') })).length).toBe(2);
    expect((await gatherItems({ args: [], file: '-', validate: true, stdin: piped('00B00000\n') })).length).toBe(1);
  });

  it('says what is wrong with the input', async () => {
    await expect(gatherItems({ args: [], validate: true, stdin: tty() })).rejects.toThrow(/no APDU to send/);
    await expect(gatherItems({ args: ['00B00000'], file: 'x', validate: true })).rejects.toThrow(/not both/);
    await expect(gatherItems({ args: [], file: join(dir, 'missing'), validate: true })).rejects.toThrow(
      /-f .*missing: no such file/,
    );
    await expect(gatherItems({ args: [], file: dir, validate: true })).rejects.toThrow(/not a regular file/);
    await expect(gatherItems({ args: [], validate: true, stdin: piped('00B0\n') })).rejects.toThrow(
      /^stdin line 1: 2 bytes is too short/,
    );
  });
});

describe('prepare', () => {
  it('defaults to shared T=0 or T=1, and direct with no protocol for --control', async () => {
    expect(await prepare(base, ['00B00000'], tty())).toMatchObject({
      share: 'shared',
      protocols: ['T=0', 'T=1'],
      transaction: true,
    });
    const c = await prepare({ ...base, control: 'features' }, [], tty());
    expect(c).toMatchObject({ share: 'direct', protocols: [], items: [], control: { code: 0x42000d48 } });
    const d = await prepare({ ...base, control: '0x42000001' }, ['01 02', '03'], tty());
    expect(d.control?.data).toEqual(Buffer.from([1, 2, 3]));
  });

  it('honours --protocol and refuses APDUs in direct mode without one', async () => {
    expect((await prepare({ ...base, protocol: 'T=1' }, ['00B00000'], tty())).protocols).toEqual(['T=1']);
    await expect(prepare({ ...base, share: 'direct' }, ['00B00000'], tty())).rejects.toThrow(
      /--share direct sends no APDU unless you also give --protocol/,
    );
    expect((await prepare({ ...base, share: 'direct', protocol: 'T=0' }, ['00B00000'], tty())).protocols).toEqual([
      'T=0',
    ]);
  });
});
