// `pcsc apdu` on a terminal with no APDUs: the interactive prompt, driven through a real
// pseudo-terminal (util-linux `script`) against the rig's pcscd and Debian's vicc card.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../rig/rig.js';
import { cleanEnv, pcsc, pcscTtySession, requireBuild, type TtySession } from '../helpers/cli.js';

let rig: Rig;
let home: string;
let env: NodeJS.ProcessEnv;
const sessions: TtySession[] = [];

beforeAll(async () => {
  requireBuild();
  // Debian's vicc in reader 0; the rig's card.py (which can answer slowly) in reader 1.
  rig = await startRig({ insert: [1], vicc: [0] });
  home = mkdtempSync(join(tmpdir(), 'pcsc-apdu-tty-'));
  env = cleanEnv(home, { PCSCLITE_CSOCK_NAME: rig.socket });
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  await rig?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Both readers hold a card: a session names reader 0 (vicc) unless told otherwise. */
function session(args: string[] = ['apdu', '--reader', '0'], extra: NodeJS.ProcessEnv = {}): TtySession {
  const s = pcscTtySession(args, { env: { ...env, ...extra } });
  sessions.push(s);
  return s;
}

const PROMPT = /apdu> $/;
/** Waits for the prompt drawn after the output seen so far. */
const nextPrompt = (s: TtySession, from = s.out().length): Promise<void> => s.waitFor(PROMPT, { from });

describe('pcsc apdu on a terminal, no APDUs: a prompt', () => {
  it('answers each line at once, with GET RESPONSE and =SW checks; exit leaves with 0', async () => {
    const s = session();
    await s.waitFor(/Reader: Virtual PCD 00 00 \(T=1\) · ATR 3B 95 13 81 01 80 73 FF 01 00 0B/);
    await s.waitFor(PROMPT);
    let at = s.out().length;
    s.type('00A40000023F00\r');
    // The answer comes before anything else is typed: the line was sent on Enter.
    await s.waitFor(/< 6F 0A 83 02 3F 00 8A 01 05 82 01 38 90 00 : Success \(1 GET RESPONSE\)/, { from: at });
    await nextPrompt(s, at);
    at = s.out().length;
    s.type('0084000008=6A82\r');
    await s.waitFor(/pcsc: APDU 1 \(line 1\): status 9000 \(Success\), expected 6A82/, { from: at });
    await nextPrompt(s, at);
    at = s.out().length;
    s.type('exit\r');
    expect(await s.exited).toBe(0);
  });

  it('a typo is said and the session goes on; \\ continues a line; # comments', async () => {
    const s = session();
    await s.waitFor(PROMPT);
    let at = s.out().length;
    s.type('00 A4 GG\r');
    await s.waitFor(/pcsc: input line 1: the character at position 7 is not a hex digit/, { from: at });
    await nextPrompt(s, at);
    at = s.out().length;
    s.type('00 A4 00 00 \\\r');
    await s.waitFor(/\.\.\.> $/, { from: at });
    s.type('02 3F 00 # the MF\r');
    await s.waitFor(/> 00 A4 00 00 02 3F 00\r?\n< 6F 0A/, { from: at });
    await nextPrompt(s, at);
    s.type('\x04'); // Ctrl-D
    expect(await s.exited).toBe(0);
  });

  it('Ctrl-C cancels the line being typed; twice on an empty line leaves with 130', async () => {
    const s = session();
    await s.waitFor(PROMPT);
    let at = s.out().length;
    s.type('00A4');
    await s.waitFor(/00A4$/, { from: at });
    s.type('\x03');
    await s.waitFor(/\^C\r?\n.*apdu> $/s, { from: at });
    at = s.out().length;
    s.type('0084000008\r');
    // Only what was typed after Ctrl-C was sent: a 5-byte GET CHALLENGE, no "00A4…" error.
    await s.waitFor(/> 00 84 00 00 08\r?\n< (?:[0-9A-F]{2} ){8}90 00 : Success/, { from: at });
    expect(s.out().slice(at)).not.toMatch(/pcsc: /);
    await nextPrompt(s, at);
    at = s.out().length;
    s.type('\x03');
    await s.waitFor(/To leave, press Ctrl-C again or Ctrl-D, or type exit/, { from: at });
    s.type('\x03');
    expect(await s.exited).toBe(130);
  });

  it('Ctrl-C during a slow exchange cancels it; the session goes on', async () => {
    const s = session(['apdu', '--reader', '1']);
    await s.waitFor(PROMPT);
    let at = s.out().length;
    s.type('00E61F40\r'); // card.py answers after 8 s
    for (let i = 0; i < 200 && !(await rig.card(1).apdus()).includes('00E61F40'); i++)
      await new Promise((r) => setTimeout(r, 50));
    s.type('\x03');
    await s.waitFor(/pcsc: cancelled\r?\n.*apdu> $/s, { from: at });
    expect(s.out().slice(at)).toMatch(/\(connected again to Virtual PCD 00 01\)/);
    expect(s.out().slice(at)).not.toContain('90 00');
    at = s.out().length;
    s.type('00A4040000\r');
    await s.waitFor(/< [0-9A-F ]*: /, { from: at, timeoutMs: 20_000 });
    s.type('exit\r');
    expect(await s.exited).toBe(0);
  });

  it('SIGTERM ends the session with 143', async () => {
    const s = session();
    await s.waitFor(PROMPT);
    const pid = s.pid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGTERM');
    expect(await s.exited).toBe(143);
  });

  it('-f - on a terminal is the prompt too', async () => {
    const s = session(['apdu', '-f', '-', '--reader', '0']);
    await s.waitFor(PROMPT);
    const at = s.out().length;
    s.type('0084000008\r');
    await s.waitFor(/< (?:[0-9A-F]{2} ){8}90 00 : Success/, { from: at });
    s.type('exit\r');
    expect(await s.exited).toBe(0);
  });

  it('history: kept in $XDG_STATE_HOME/pcsc/apdu_history (0600), never a line with a PIN; Up recalls', async () => {
    const state = join(home, 'state');
    const file = join(state, 'pcsc', 'apdu_history');
    const s = session(['apdu', '--reader', '0'], { XDG_STATE_HOME: state });
    await s.waitFor(PROMPT);
    let at = s.out().length;
    s.type('00A40000023F00\r');
    await nextPrompt(s, at);
    at = s.out().length;
    s.type('0020008108 3132333435363738\r'); // VERIFY with a PIN
    await s.waitFor(/> 00 20 00 81 08 \*\*/, { from: at });
    await nextPrompt(s, at);
    s.type('exit\r');
    expect(await s.exited).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(saved).toBe('00A40000023F00\n');
    expect(saved).not.toContain('3132');
    // A new session: Up brings the saved line back; Enter sends it.
    const again = session(['apdu', '--reader', '0'], { XDG_STATE_HOME: state });
    await again.waitFor(PROMPT);
    at = again.out().length;
    again.type('\x1b[A');
    await again.waitFor(/00A40000023F00/, { from: at });
    again.type('\r');
    await again.waitFor(/< 6F 0A/, { from: at });
    again.type('exit\r');
    expect(await again.exited).toBe(0);
  });

  it('--json or --repeat without APDUs on a terminal: a usage error saying why', async () => {
    const s = session(['apdu', '--json', '--reader', '0']);
    expect(await s.exited).toBe(2);
    expect(s.out()).toMatch(/--json needs APDUs: give them as arguments, with -f FILE or on stdin/);
  });
});

describe('pcsc apdu: colours', () => {
  it('FORCE_COLOR: a status that does not match =SW is red, not a green Success', async () => {
    const r = await pcsc(['apdu', '--reader', '0', '0084000008=6A82', '00A40000023F00=9000'], {
      env: { ...env, NO_COLOR: '', FORCE_COLOR: '1' },
    });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.startsWith('< ')) ?? '';
    expect(line).toContain('\u001b[31mSuccess');
    expect(line).not.toContain('\u001b[32m');
    const ok = await pcsc(['apdu', '--reader', '0', '00A40000023F00=9000'], {
      env: { ...env, NO_COLOR: '', FORCE_COLOR: '1' },
    });
    expect(ok.stdout).toContain('\u001b[32mSuccess');
  });
});
