// The USB backend against QEMU's real USB CCID reader with its emulated CAC card (T=0, TPDU
// level), compared with Debian's pcscd + libccid driving the same reader in the same guest.

import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild, errorOf, runInGuest, valueOf, type GuestRun } from './helpers/ccid-vm.js';

const ATR = '3B7A18000073667465206364313434';

interface CliRun<T> {
  status: number;
  stdout: T;
  stderr: string;
}
interface ApduJson {
  reader: string;
  protocol: string;
  share: string;
  atr: string;
  exchanges: {
    command: string;
    response: string;
    sw: string;
    meaning: string;
    durationUs: number;
    steps?: { command: string; response: string; reason: string; durationUs: number }[];
  }[];
}
const NAME = 'Gemalto Gemplus USB SmartCard Reader 433-Swap [CCID Interface] (1-0000:00:03.0-1) 00 00';
let run: GuestRun;

describe('USB backend in the QEMU guest, emulated card', () => {
  beforeAll(async () => {
    assertFreshBuild();
    run = await runInGuest(['node', 'test/rig/guest/usb-emulated.mjs'], { card: 'emulated' });
    if (run.code !== 0) throw new Error(`guest exited ${run.code}:\n${run.output.slice(-4000)}`);
  }, 1_500_000);

  it('loads usb@3', () => {
    expect(valueOf<{ available: boolean; version: string }>(run, 'usb-status')).toMatchObject({
      available: true,
      version: expect.stringMatching(/^3\./),
    });
  });

  it('names the reader as pcscd + libccid do', () => {
    expect(valueOf(run, 'list')).toEqual([NAME]);
    expect(valueOf(run, 'pcscd-list')).toEqual([NAME]);
  });

  it('reports the card present with its ATR, and times out when nothing changes', () => {
    expect(valueOf(run, 'state')).toEqual({ flags: ['CHANGED', 'PRESENT'], atr: ATR, eventCount: 0 });
    // pcscd reports the same state for the same reader and card (no handle: not INUSE).
    expect(valueOf(run, 'pcscd-state')).toEqual(valueOf(run, 'state'));
    expect(errorOf(run, 'wait-timeout').scardName).toBe('SCARD_E_TIMEOUT');
  });

  it('talks T=0 at TPDU level: 61xx, GET RESPONSE, 6Cxx, errors', () => {
    const usb = valueOf<{ protocol: string; answers: string[]; atr: string }>(run, 'usb-exchange');
    expect(usb.protocol).toBe('T=0');
    expect(usb.atr).toBe(ATR);
    expect(usb.answers[0]).toBe('610D');
    expect(usb.answers[1]).toBe('6F0B8407A0000000790100A5009000');
    expect(usb.answers[2]).toBe('6C20');
    expect(usb.answers[3]).toMatch(/^[0-9A-F]{64}9000$/);
    expect(usb.answers[4]).toBe('6A82');
  });

  it('gives the same ATR and answers as pcscd + libccid', () => {
    const usb = valueOf<{ answers: string[]; atr: string; protocol: string }>(run, 'usb-exchange');
    const pcscd = valueOf<{ answers: string[]; atr: string; protocol: string }>(run, 'pcscd-exchange');
    expect(pcscd.atr).toBe(usb.atr);
    expect(pcscd.protocol).toBe(usb.protocol);
    // The last APDU (GET CHALLENGE) answers differently each time: compare its shape only.
    expect(pcscd.answers.slice(0, -1)).toEqual(usb.answers.slice(0, -1));
    expect(pcscd.answers.at(-1)?.slice(-4)).toBe(usb.answers.at(-1)?.slice(-4));
  });

  it('answers reader attributes and an empty feature list', () => {
    expect(valueOf(run, 'attributes')).toEqual({
      vendor: 'QEMU',
      type: 'QEMU USB CCID',
      serial: '1-0000:00:03.0-1',
      atr: ATR,
      channel: '200102',
      features: '',
    });
  });

  it('serialises transactions and sharing inside the process', () => {
    expect(valueOf(run, 'transaction')).toEqual({
      order: ['a', 'b'],
      bAnswer: expect.stringMatching(/9000$|^6F00$|^6/),
    });
    expect(valueOf(run, 'exclusive')).toBe('SCARD_E_SHARING_VIOLATION');
    expect(valueOf(run, 'reset-seen-by-other')).toBe('SCARD_W_RESET_CARD');
  });

  it('lists the reader with `pcsc scan --backend usb -r`, as text and JSON', () => {
    const r = valueOf<{
      text: { status: number; stdout: string; stderr: string };
      json: { status: number; stdout: unknown };
    }>(run, 'cli-scan');
    expect(r.text).toEqual({ status: 0, stdout: `0: ${NAME}\n`, stderr: '' });
    expect(r.json).toEqual({
      status: 0,
      stdout: { readers: [{ name: NAME }], backend: 'usb' },
      stderr: '',
    });
  });

  it('falls back to USB with `--backend auto` when no pcscd listens, and says so on stderr', () => {
    const r = valueOf<{
      text: { status: number; stdout: string; stderr: string };
      json: { status: number; stdout: unknown; stderr: string };
    }>(run, 'cli-scan-auto');
    const note =
      /^pcsc: pcscd is not running \(no pcscd socket at \/run\/pcscd\/pcscd\.comm\); using USB readers directly\n$/;
    expect(r.text.status).toBe(0);
    expect(r.text.stdout).toBe(`0: ${NAME}\n`);
    expect(r.text.stderr).toMatch(note);
    expect(r.json.stdout).toEqual({ readers: [{ name: NAME }], backend: 'usb' });
    expect(r.json.stderr).toMatch(note);
  });

  it('sends APDUs with `pcsc apdu --backend usb --reader 0`: GET RESPONSE after 61xx, Le from 6Cxx, at T=0 TPDU level', () => {
    const r = valueOf<{ text: CliRun<string>; json: CliRun<ApduJson> }>(run, 'cli-apdu');
    expect(r.text).toEqual({
      status: 0,
      stdout:
        '> 00 A4 04 00 07 A0 00 00 00 79 01 00\n< 6F 0B 84 07 A0 00 00 00 79 01 00 A5 00 90 00 : Success (1 GET RESPONSE)\n',
      stderr: `Reader: ${NAME} (T=0) · ATR 3B 7A 18 00 00 73 66 74 65 20 63 64 31 34 34\n`,
    });
    expect(r.json.status).toBe(0);
    const j = r.json.stdout;
    expect(j).toMatchObject({ reader: NAME, protocol: 'T=0', share: 'shared', atr: ATR });
    expect(
      j.exchanges.map((x) => [x.command, x.response, x.sw, x.steps?.map((s) => [s.command, s.response, s.reason])]),
    ).toEqual([
      [
        '00A4040007A0000000790100',
        '6F0B8407A0000000790100A500',
        '9000',
        [
          ['00A4040007A0000000790100', '610D', 'command'],
          ['00C000000D', '6F0B8407A0000000790100A5009000', 'get-response'],
        ],
      ],
      [
        '8056010000',
        expect.stringMatching(/^[0-9A-F]{64}$/),
        '9000',
        [
          ['8056010000', '6C20', 'command'],
          ['8056010020', expect.stringMatching(/^[0-9A-F]{64}9000$/), 'resend'],
        ],
      ],
      ['00A4040007D276000085010100', '', '6A82', undefined],
    ]);
    expect(j.exchanges[2]?.meaning).toBe('File or application not found');
  });

  it('`pcsc apdu` gives the same exchanges through pcscd + libccid', () => {
    const usb = valueOf<{ json: CliRun<ApduJson> }>(run, 'cli-apdu').json;
    const pcscd = valueOf<CliRun<ApduJson>>(run, 'pcscd-cli-apdu');
    expect(pcscd.status).toBe(0);
    const shape = (j: ApduJson): unknown => ({
      ...j,
      exchanges: j.exchanges.map(({ durationUs: _d, steps, ...x }) => ({
        ...x,
        steps: steps?.map(({ durationUs: _s, ...st }) => st),
      })),
    });
    expect(shape(pcscd.stdout)).toEqual(shape(usb.stdout));
  });

  it('says which permission is missing when the node cannot be opened', () => {
    const r = valueOf<{ names: string[]; code: string; message: string }>(run, 'nobody');
    expect(r.names).toEqual([NAME]);
    expect(r.code).toBe('EACCES');
    expect(r.message).toMatch(
      /no permission to open the reader's device node \/dev\/bus\/usb\/001\/002 \(group root, mode 0600; you are not in group root\).*uaccess.*pcsc doctor/,
    );
  });

  it('says who holds the reader when pcscd has claimed it', () => {
    const r = valueOf<{ code: string; message: string }>(run, 'busy');
    expect(r.code).toBe('EBUSY');
    expect(r.message).toMatch(/claimed by another program \(pcscd/);
  });

  it('auto means pcscd when it answers, USB when nothing listens at the default socket', () => {
    expect(valueOf(run, 'auto-backend')).toEqual(['pcscd', 'usb', 'SCARD_E_NO_SERVICE']);
  });
});
