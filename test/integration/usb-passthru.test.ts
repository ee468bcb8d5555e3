// The USB backend against QEMU's real USB CCID reader with a scripted card behind
// ccid-card-passthru: 61xx and 6Cxx, long answers and QEMU's limits, removal, insertion, an
// empty reader, `pcsc scan --backend usb` watching the card leave and come back, and the reader
// unplugged in the middle of an exchange.

import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VscardCard } from '../rig/vscard-card.js';
import { assertFreshBuild, errorOf, runInGuest, valueOf, type GuestRun } from './helpers/ccid-vm.js';

let run: GuestRun;
let card: VscardCard;
const dir = mkdtempSync(join(tmpdir(), 'pcsc-vsc-'));
const monitor = join(dir, 'monitor.sock');

/** Unplugs the reader from the running VM through the QEMU monitor. */
function unplugReader(): void {
  const c = createConnection(monitor, () => c.end('device_del ccid\n'));
  c.on('error', () => undefined);
  c.on('data', () => undefined);
}

describe('USB backend in the QEMU guest, scripted passthru card', () => {
  beforeAll(async () => {
    assertFreshBuild();
    card = new VscardCard(join(dir, 'vscard.sock'), { onHold: () => setTimeout(unplugReader, 500) });
    await card.listen();
    // The guest's `pcsc scan` watch step says when it has looked at the reader and when it has
    // seen the card go: the card leaves and comes back on those cues, once each.
    let removed = false;
    let inserted = false;
    const onLine = (line: string): void => {
      if (!removed && line.includes('"name":"scan-watching"')) {
        removed = true;
        card.remove();
      }
      if (removed && !inserted && line.includes('"name":"scan-removed"')) {
        inserted = true;
        card.insert();
      }
    };
    run = await runInGuest(['node', 'test/rig/guest/usb-passthru.mjs'], {
      card: `passthru:${card.path}`,
      extra: `-monitor unix:${monitor},server,nowait`,
      onLine,
    });
    if (run.code !== 0) throw new Error(`guest exited ${run.code}:\n${run.output.slice(-4000)}`);
  }, 1_500_000);

  afterAll(async () => {
    await card?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with T=0 to the simulated card', () => {
    expect(valueOf(run, 'card')).toEqual({ protocol: 'T=0', atr: '3B025301' });
  });

  it('leaves 61xx to the caller, whose GET RESPONSE reads the rest', () => {
    expect(valueOf(run, 'get-response')).toEqual({
      first: '6100',
      a: { len: 258, sw: '612C' },
      b: { len: 46, sw: '9000' },
    });
    // The TPDUs the card saw: a case 1 command gets P3 = 00 on T=0.
    expect(card.received.some((a) => a.toString('hex') === '8040012c00')).toBe(true);
  });

  it('leaves 6Cxx to the caller, whose retry with the right Le gets the data', () => {
    expect(valueOf(run, 'wrong-le')).toEqual({ first: '6C20', second: { len: 34, sw: '9000' } });
  });

  it('carries a 372-byte answer, and the 64-byte reply whose zero-length packet follows', () => {
    expect(valueOf(run, 'long-372')).toEqual({ len: 374, sw: '9000' });
    expect(valueOf(run, 'boundary-64')).toEqual({ a: 54, b: 18, sw: '9000' });
  });

  it('carries Lc = 255, and refuses an extended APDU on T=0 with a clear error', () => {
    expect(valueOf(run, 'lc-255')).toBe('00FF9000');
    const e = errorOf(run, 'extended-on-t0');
    expect(e.scardName).toBe('SCARD_E_INVALID_PARAMETER');
    expect(e.message).toMatch(/T=0 cannot carry 4000 command bytes/);
  });

  it('ends in a timeout error, not a hang, when QEMU drops an answer over 384 bytes', () => {
    const e = errorOf(run, 'long-373');
    expect(e.kind).toBe('timeout');
    expect(e.code).toBe('ETIMEDOUT');
    expect(e.message).toMatch(/did not answer command 0x6f within 2000 ms; the exchange was aborted/);
    expect(valueOf(run, 'after-373')).toBe('0001020390 00'.replace(' ', ''));
  });

  it('sees the card removed and inserted, with the event counter', () => {
    type S = { flags: string[]; count: number; atr: string };
    const r = valueOf<{ before: S; removed: S; inserted: S; removedError: string }>(run, 'remove-insert');
    expect(r.removed.flags).toEqual(['CHANGED', 'EMPTY']);
    expect(r.removed.atr).toBe('');
    expect(r.removed.count).toBe(r.before.count + 1);
    expect(r.inserted.flags).toContain('PRESENT');
    expect(r.inserted.atr).toBe('3B025301');
    expect(r.inserted.count).toBe(r.before.count + 2);
    expect(r.removedError).toBe('SCARD_W_REMOVED_CARD');
    expect(valueOf(run, 'reconnect')).toEqual({
      oldHandle: 'SCARD_W_REMOVED_CARD',
      after: '0001020390 00'.replace(' ', ''),
    });
  });

  it('reports an empty reader and refuses to connect there', () => {
    expect(valueOf<{ flags: string[] }>(run, 'empty-s1').flags).toEqual(['CHANGED', 'EMPTY']);
    expect(errorOf(run, 'empty-connect').scardName).toBe('SCARD_E_NO_SMARTCARD');
    const back = valueOf<{ flags: string[]; atr: { data: number[] } }>(run, 'empty-s2');
    expect(back.flags).toContain('PRESENT');
    expect(Buffer.from(back.atr.data).toString('hex')).toBe('3b025301');
  });

  it('answers like pcscd + libccid; sends ISO TPDUs where libccid passes the APDU as is', () => {
    const usb = valueOf<string[]>(run, 'parity-usb');
    const pcscd = valueOf<{ name: string; answers: string[] }>(run, 'parity-pcscd');
    expect(pcscd.name).toBe('Gemalto Gemplus USB SmartCard Reader 433-Swap [CCID Interface] (1-0000:00:03.0-1) 00 00');
    expect(pcscd.answers).toEqual(usb);
    const after = (marker: string): string[] => {
      const i = card.received.findIndex((a) => a.toString('hex') === marker);
      expect(i).toBeGreaterThanOrEqual(0);
      return card.received.slice(i + 1, i + 1 + usb.length).map((a) => a.toString('hex'));
    };
    const ours = after('8020000001aa');
    const theirs = after('8020000001bb');
    // Measured: libccid 1.5.2 sends a case 1 APDU as 4 bytes and a case 4 APDU with its Le; we
    // send the ISO 7816-3 §12.2 TPDU (P3 = 00; Le dropped). Everything else is byte-identical.
    expect(ours[0]).toBe('8010000400');
    expect(theirs[0]).toBe('80100004');
    expect(ours[2]).toBe('8040012c00');
    expect(theirs[2]).toBe('8040012c');
    expect(ours[8]).toBe('8022000003aabbcc');
    expect(theirs[8]).toBe('8022000003aabbcc00');
    const same = (l: string[]): string[] => l.filter((_, i) => i !== 0 && i !== 2 && i !== 8);
    expect(same(ours)).toHaveLength(7);
    expect(same(ours)).toEqual(same(theirs));
  });

  // The backend wakes on the interrupt pipe's slot-change notification and also re-reads slot
  // status every 500 ms; either gives these events, so this checks the CLI path, not which woke it.
  it('`pcsc scan --backend usb --json` in watch mode reports the card leaving and coming back', () => {
    type Ev = {
      event: string;
      reader?: string;
      index?: number;
      eventNumber?: number;
      card?: string;
      atr?: string;
      daemon?: { backend: string };
      readers?: string[];
      initial?: boolean;
    };
    const r = valueOf<{ reader: string; code: number | null; signal: string | null; events: Ev[]; stderr: string }>(
      run,
      'cli-watch',
    );
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    // The card in at start: its status, then card-inserted (initial); --count counts the two changes after.
    expect(r.events.map((e) => e.event)).toEqual([
      'started',
      'status',
      'card-inserted',
      'card-removed',
      'card-inserted',
    ]);
    const [started, status, initial, removed, inserted] = r.events as [Ev, Ev, Ev, Ev, Ev];
    expect(initial).toMatchObject({ reader: r.reader, card: 'present', atr: '3B025301', initial: true });
    expect(started.daemon?.backend).toBe('usb');
    expect(started.readers).toEqual([r.reader]);
    expect(status).toMatchObject({ reader: r.reader, index: 0, card: 'present', atr: '3B025301' });
    expect(removed).toMatchObject({ reader: r.reader, index: 0, card: 'absent' });
    expect(removed.atr).toBeUndefined();
    expect(inserted).toMatchObject({ reader: r.reader, index: 0, card: 'present', atr: '3B025301' });
    // One event each: the reader's counter moves by one per change, as in the core step above.
    expect(removed.eventNumber).toBe((status.eventNumber ?? NaN) + 1);
    expect(inserted.eventNumber).toBe((status.eventNumber ?? NaN) + 2);
  });

  it('ends the exchange when the reader is unplugged mid-way, and PnP sees it go', () => {
    // QEMU detaches the passthru card first, so the pending XfrBlock ends with "card removed";
    // the handle then finds the reader gone.
    expect(['SCARD_W_REMOVED_CARD', 'SCARD_E_READER_UNAVAILABLE']).toContain(errorOf(run, 'unplug').scardName);
    expect(errorOf(run, 'after-unplug-transmit')).toMatchObject({
      scardName: 'SCARD_E_READER_UNAVAILABLE',
      message: expect.stringMatching(/was unplugged/),
    });
    expect(valueOf(run, 'pnp')).toMatchObject({ changed: true });
    expect(valueOf(run, 'after-unplug')).toEqual([]);
  });
});
