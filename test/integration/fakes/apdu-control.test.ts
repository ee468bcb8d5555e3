// `pcsc apdu --control` against the fake pcscd with a reader that answers SCardControl: vpcd (the
// real rig's reader) supports no control code at all, so the success path is tested here.

import { beforeAll, describe, expect, it } from 'vitest';
import { pcsc, requireBuild } from '../../helpers/cli.js';
import { FAKE_ATR } from '../../fakes/test-card.js';
import * as S from '../../fakes/structs.js';
import { READER, guard, startFake } from './helpers.js';

guard();

beforeAll(() => {
  requireBuild();
});

const GET_FEATURE_REQUEST = 0x42000d48;
const TLV_PROPERTIES = 0x42330012;
const ESCAPE = 0x42000000 + 3500;

/** What the reader was asked, code and data, in order. */
const asked: { code: number; data: string }[] = [];

function reader(): Parameters<typeof startFake>[0]['readers'] {
  return [
    {
      name: READER,
      card: { atr: FAKE_ATR },
      control: (code, data) => {
        asked.push({ code, data: data.toString('hex').toUpperCase() });
        // PC/SC part 10: tag, length 4, control code big-endian; TLV properties are little-endian.
        if (code === GET_FEATURE_REQUEST) return { data: Buffer.from('060442330006120442330012', 'hex') };
        if (code === TLV_PROPERTIES)
          return { data: Buffer.from('0A04000001000B02E6080808' + Buffer.from('Fake 1.0').toString('hex'), 'hex') };
        if (code === ESCAPE) return { data: Buffer.from(data).reverse() };
        return { rv: 0x80100016 }; // SCARD_E_UNSUPPORTED_FEATURE
      },
    },
  ];
}

async function run(args: string[], socket: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await pcsc([...args, '--socket', socket], { env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('pcsc apdu --control on a reader that answers', () => {
  it('features: prints the answer, the feature list and the TLV properties', async () => {
    const fake = await startFake({ version: '2.4.1', readers: reader() });
    asked.length = 0;
    const r = await run(['apdu', '--control', 'features'], fake.path);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '> control 0x42000D48',
      '< 06 04 42 33 00 06 12 04 42 33 00 12',
      'PC/SC part 10 features:',
      `  ${'VERIFY_PIN_DIRECT'.padEnd(26)} 0x42330006`,
      `  ${'GET_TLV_PROPERTIES'.padEnd(26)} 0x42330012`,
      'TLV properties:',
      `  ${'dwMaxAPDUDataSize'.padEnd(26)} 65536`,
      `  ${'wIdVendor'.padEnd(26)} 2278`,
      `  ${'sFirmwareID'.padEnd(26)} Fake 1.0`,
      '',
    ]);
    expect(asked).toEqual([
      { code: GET_FEATURE_REQUEST, data: '' },
      { code: TLV_PROPERTIES, data: '' },
    ]);
    const j = await run(['apdu', '--control', 'features', '--json'], fake.path);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).control).toMatchObject({
      code: '0x42000D48',
      command: '',
      response: '060442330006120442330012',
      features: [
        { tag: 6, name: 'VERIFY_PIN_DIRECT', controlCode: '0x42330006' },
        { tag: 0x12, name: 'GET_TLV_PROPERTIES', controlCode: '0x42330012' },
      ],
      properties: [
        { tag: 10, name: 'dwMaxAPDUDataSize', value: 65536 },
        { tag: 11, name: 'wIdVendor', value: 0x08e6 },
        { tag: 8, name: 'sFirmwareID', value: 'Fake 1.0' },
      ],
    });
    expect(fake.violations).toEqual([]);
  });

  it('a function number with data: SCardControl(SCARD_CTL_CODE(n)) gets the bytes, the answer is printed', async () => {
    const fake = await startFake({ version: '2.4.1', readers: reader() });
    asked.length = 0;
    const r = await run(['apdu', '--control', '3500', '01 02', '03'], fake.path);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('> control 0x42000DAC 01 02 03\n< 03 02 01\n');
    expect(asked).toEqual([{ code: ESCAPE, data: '010203' }]);
    const bad = await run(['apdu', '--control', '0x42000001'], fake.path);
    expect(bad.code).toBe(4);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^pcsc: .*\(0x80100016\): control 0x42000001$/);
    expect(fake.requests.some((q) => q.cmd === S.CMD.CONTROL)).toBe(true);
  });
});
