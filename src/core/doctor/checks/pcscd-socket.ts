// Checks that talk to the daemon: its socket answers, which protocol versions it accepts (and so
// which client libraries get "Service was stopped"), and a shared connect to each of its readers.

import { hex32, PcscError, Scard, scardName } from '../../errors.js';
import { PcscdConnection } from '../../pcscd/connection.js';
import { PcscdContext } from '../../pcscd/context.js';
import { broken, CLIENT_LINES, predict, protocolOf, type VersionAnswer } from '../protocol-model.js';
import { DEFAULT_SOCKET, LEGACY_SOCKET, type SocketChoice } from '../../pcscd/socket-path.js';
import { pcscdProgram, pcscdVersion } from '../../system/pcscd-info.js';
import type { ReaderLink } from '../../udev/reader-link.js';
import { readerLinks } from '../reader-links.js';
import {
  asRoot,
  detectMachine,
  mustElevate,
  noDaemonFix,
  overrideSetIn,
  restartPcscd,
  startPcscd,
  type DefaultSocket,
} from '../../system/service.js';
import type { Fix } from '../../engine/types.js';
import type { DoctorCheck, DoctorContext } from '../types.js';
import { bridgeFor } from './client.js';
import { busyReport, busyWho } from './holders.js';
import { daemonAnswers, daemonSlots, fix, octal, result, socketPath } from './util.js';

/** The socket as this process reaches it (under the probe's root for fixture trees). */
async function hostSocket(ctx: DoctorContext): Promise<SocketChoice & { host: string }> {
  const s = await socketPath(ctx);
  return { ...s, host: ctx.probe.path(s.path) };
}

const overridden = (s: SocketChoice): boolean => s.source === 'env' || s.source === 'option';

/** Whether the system's own pcscd answers at its built-in path (when an override names another). */
async function systemSocket(ctx: DoctorContext): Promise<DefaultSocket> {
  const legacy = !(await ctx.probe.lstat(DEFAULT_SOCKET)) && (await ctx.probe.lstat(LEGACY_SOCKET));
  const path = legacy ? LEGACY_SOCKET : DEFAULT_SOCKET;
  if (!(await ctx.probe.stat(path))?.isSocket) return { path, listening: false };
  try {
    (await PcscdConnection.open(ctx.probe.path(path), 2000)).close();
    return { path, listening: true };
  } catch {
    return { path, listening: false };
  }
}

/** No daemon answers at `s`: start the system's pcscd, or sort the override out. */
async function noDaemon(ctx: DoctorContext, s: SocketChoice): Promise<Fix> {
  const m = await detectMachine(ctx.probe);
  const system = overridden(s) ? await systemSocket(ctx) : { path: s.path, listening: false };
  const setIn = s.source === 'env' ? await overrideSetIn(ctx.probe) : [];
  const f = noDaemonFix(m, s, system, setIn);
  return fix(f.text, f.commands, f.root);
}

/** The daemon at `s` misbehaves: restart the system's pcscd, or whatever serves the override. */
async function restart(ctx: DoctorContext, s: SocketChoice, after = ''): Promise<Fix> {
  const then = after ? ` ${after}` : '';
  if (overridden(s))
    return fix(
      `Restart the daemon that serves ${s.path} (${s.source === 'env' ? 'PCSCLITE_CSOCK_NAME' : '--socket'}): it is not the system's pcscd, so pcsc cannot tell how it was started.${then}`,
    );
  const r = restartPcscd(await detectMachine(ctx.probe));
  return fix(`${r.text}${then}`, r.commands, r.root);
}

export const pcscdSocket: DoctorCheck = {
  id: 'pcscd.socket',
  title: "pcscd's socket is there and accepts connections",
  description:
    'Clients reach pcscd through a Unix socket ($PCSCLITE_CSOCK_NAME, else /run/pcscd/pcscd.comm). A missing socket or one nobody listens on gives "Service not available" everywhere.',
  category: 'pcscd',
  platforms: ['linux', 'freebsd', 'openbsd'],
  async run(ctx) {
    const s = await hostSocket(ctx);
    const via = s.source === 'env' ? ' (from PCSCLITE_CSOCK_NAME)' : s.source === 'option' ? ' (from --socket)' : '';
    const data: Record<string, unknown> = { socket: s.path, source: s.source };
    ctx.facts.set('pcscd.socket', s.path);
    const st = await ctx.probe.stat(s.path);
    if (!st) {
      return result('fail', `No pcscd socket at ${s.path}${via}`, {
        details: [
          'pcscd is not running and nothing starts it on demand, so every PC/SC application fails with "Service not available" (SCARD_E_NO_SERVICE, 0x8010001D).',
          ...(s.source === 'env' ? ['PCSCLITE_CSOCK_NAME names a path where no daemon listens.'] : []),
        ],
        fix: await noDaemon(ctx, s),
        data,
      });
    }
    if (!st.isSocket) {
      // A path the user named may be any file (even /etc/passwd): only pcscd's own path is safe to move away.
      const named = s.source === 'option' || s.source === 'env';
      return result('fail', `${s.path}${via} exists but is not a socket`, {
        details: [
          named
            ? `${s.path} is not where a pcscd listens; clients given this path cannot connect.`
            : 'Something else sits where pcscd listens; pcscd cannot bind there and clients cannot connect.',
        ],
        fix:
          s.source === 'option'
            ? fix(`Give --socket the path pcscd listens on (${DEFAULT_SOCKET} unless pcscd was started with another).`)
            : s.source === 'env'
              ? fix('Unset the override, or point it at the socket pcscd listens on.', ['unset PCSCLITE_CSOCK_NAME'])
              : await moveAway(ctx, s.path),
        data,
      });
    }
    data.mode = octal(st.mode);
    try {
      (await PcscdConnection.open(s.host, 3000)).close();
    } catch (e) {
      const code = ((e as PcscError).cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ECONNREFUSED') {
        return result('fail', `Stale socket: nothing listens on ${s.path}`, {
          details: [
            'pcscd stopped (or crashed) and left its socket file behind; applications get "Service not available" (0x8010001D).',
          ],
          fix: await noDaemon(ctx, s),
          data: { ...data, error: code },
        });
      }
      if (code === 'EACCES') {
        return result('fail', `Permission denied connecting to ${s.path} (mode ${octal(st.mode)})`, {
          details: ["pcscd's socket must be connectable by every user (mode 0666; access control is polkit's job)."],
          fix: await chmodSocket(ctx, s.path),
          data: { ...data, error: code },
        });
      }
      return result('fail', `Cannot connect to ${s.path}: ${(e as Error).message}`, {
        data: { ...data, error: code ?? String(e) },
      });
    }
    return result('pass', `${s.path}${via} accepts connections`, { data });
  },
};

async function moveAway(ctx: DoctorContext, path: string): Promise<Fix> {
  const m = await detectMachine(ctx.probe);
  const start = startPcscd(m);
  return fix(
    `Move the file away, then start pcscd. ${start.text}`,
    [asRoot(['mv', path, `${path}.bad`], m), ...start.commands],
    mustElevate(m),
  );
}

async function chmodSocket(ctx: DoctorContext, path: string): Promise<Fix> {
  const m = await detectMachine(ctx.probe);
  return fix(
    'Give the socket its usual mode (pcscd.socket has SocketMode=0666).',
    [asRoot(['chmod', '0666', path], m)],
    mustElevate(m),
  );
}

const OUTCOME_TEXT = {
  ok: 'works',
  desync: 'gets out of step (wrong reader names and APDU answers)',
  stopped: '"Service was stopped" (0x8010001E)',
  'no-service': '"Service not available" (0x8010001D)',
  unknown: 'unknown',
} as const;

export const pcscdProtocol: DoctorCheck = {
  id: 'pcscd.protocol',
  title: "pcscd's protocol version and the clients it accepts",
  description:
    'Asks the daemon (CMD_VERSION) which client protocol versions it accepts, then predicts from the client × daemon table which libpcsclite releases fail against it with "Service was stopped".',
  category: 'pcscd',
  platforms: ['linux', 'freebsd', 'openbsd'],
  dependsOn: ['pcscd.socket'],
  timeoutMs: 15_000,
  async run(ctx) {
    const s = await hostSocket(ctx);
    let answers: VersionAnswer[];
    try {
      answers = await daemonAnswers(ctx, s.host);
    } catch (e) {
      const closed = e instanceof PcscError && (e.code === Scard.W_SECURITY_VIOLATION || e.code === Scard.F_COMM_ERROR);
      if (closed && (await pcscdProgram(ctx.probe)).features.includes('polkit')) {
        // pcscd asks polkit (access_pcsc) as soon as a client connects and hangs up on a refusal.
        return result('fail', 'pcscd hangs up before answering: polkit refuses you access_pcsc ("Access denied")', {
          details: [
            `${(e as Error).message}.`,
            'pcscd logs "Rejected unauthorized PC/SC client"; every PC/SC program run by this user gets SCARD_W_SECURITY_VIOLATION (0x8010006A).',
          ],
          fix: fix(
            'Allow your user with a polkit rule (the polkit check prints one), or start pcscd with --disable-polkit.',
            ['pcsc doctor polkit'],
          ),
        });
      }
      return result('fail', `pcscd accepts connections but does not answer CMD_VERSION: ${(e as Error).message}`, {
        details: ['The daemon is hung, or something that is not pcscd listens on its socket.'],
        fix: await restart(ctx, s),
      });
    }
    const first = answers[0] as VersionAnswer;
    const daemon = `${first.major}:${first.minor}`;
    const accepts = answers.filter((a) => a.rv === Scard.S_SUCCESS).map((a) => `4:${a.sent}`);
    let negotiated: string | undefined;
    let ourError: PcscError | undefined;
    try {
      const c = await PcscdContext.establish({ socket: s.host, env: {}, requestTimeout: 5000 });
      negotiated = c.info.protocol;
      await c.release();
    } catch (e) {
      if (!(e instanceof PcscError)) throw e;
      ourError = e;
    }
    const predictions = CLIENT_LINES.map((l) => predict(l, answers));
    ctx.facts.set('pcscd.answers', answers);
    if (negotiated) ctx.facts.set('pcscd.protocol', negotiated);
    // The array's size is the other half of what a client must agree on (docs/proxy.md, "Reader slots").
    const slots = ourError ? undefined : await daemonSlots(ctx, s.host);
    const data = {
      daemon,
      accepts,
      negotiated: negotiated ?? null,
      slots: slots ?? null,
      clients: predictions.map((p) => ({
        libpcsclite: p.line.range,
        protocol: `4:${p.line.minor}`,
        outcome: p.outcome,
        ...(p.rv !== undefined ? { rv: hex32(p.rv) } : {}),
      })),
    };
    const details = [
      `pcscd speaks ${daemon} and accepts ${accepts.join(', ') || 'nothing we offered'}.`,
      ...(slots !== undefined && slots !== 16
        ? [
            `Its reader-state arrays (clients up to 4:5) have ${slots} entries, where upstream pcsc-lite has 16 (Fedora builds it with 48): a library built with another count reads them out of step, whatever its version (docs/proxy.md, "Reader slots").`,
          ]
        : []),
      ...predictions.map(
        (p) => `libpcsclite ${p.line.range} (4:${p.line.minor}): ${OUTCOME_TEXT[p.outcome]} — ${p.why}`,
      ),
    ];
    // `pcscd --version` alone: the package manager is asked only when that names no release, and
    // `pcscd --help` is not needed here (doctor pcscd.protocol, pcscd.readers start neither).
    const installed = await pcscdVersion(ctx.probe);
    const expected = installed ? protocolOf(installed) : undefined;
    if (ourError) {
      const denied = ourError.code === Scard.W_SECURITY_VIOLATION;
      return result('fail', `pcscd (${daemon}) refused a context: ${ourError.message}`, {
        details: [
          ...details,
          ...(denied
            ? [
                'The daemon dropped us after the version exchange: polkit refused org.debian.pcsc-lite.access_pcsc (see the polkit check).',
              ]
            : []),
        ],
        fix: denied
          ? fix(
              'Let your user reach pcscd with a polkit rule (see the polkit check), or run pcscd with --disable-polkit.',
            )
          : await restart(ctx, s, 'If it persists, report it with `pcsc doctor --json`.'),
        data,
      });
    }
    const failing = predictions.filter((p) => broken(p.outcome)).map((p) => `${p.line.range} (4:${p.line.minor})`);
    const bridgeNote = `Programs with libpcsclite ${failing.join(', ')} fail against this daemon; through \`pcsc proxy\` every release works (docs/proxy.md).`;
    if (expected && expected !== daemon) {
      // The installed libraries are of the installed pcscd's release: they are the ones likely to fail here.
      const mine = predictions.find((p) => `4:${p.line.minor}` === expected && !p.line.retries);
      const b =
        mine && broken(mine.outcome)
          ? await bridgeFor(
              ctx,
              { path: '', source: 'unknown', bundled: false, protocol: expected, prediction: mine },
              answers,
              null,
            )
          : undefined;
      return result(
        'warn',
        `The daemon on ${s.path} speaks ${daemon}, but the installed pcscd ${installed} speaks ${expected}`,
        {
          details: [
            ...details,
            "The socket belongs to another daemon: a container host's, a sandbox's, xrdp's PC/SC stand-in, or a pcscd built elsewhere.",
            ...(failing.length > 0 ? [bridgeNote] : []),
          ],
          ...(b
            ? {
                fix: fix(
                  `This machine's programs (libpcsclite ${installed}, ${expected}) get ${OUTCOME_TEXT[mine?.outcome ?? 'stopped']} from it. ${b.text}`,
                  b.commands,
                  b.root,
                ),
              }
            : {}),
          data: b ? { ...data, bridge: b.socket } : data,
        },
      );
    }
    return result('pass', `pcscd speaks ${daemon}; we negotiated ${negotiated}`, {
      details: failing.length > 0 ? [...details, bridgeNote] : details,
      data,
    });
  },
};

type ReaderVerdict = {
  reader: string;
  status: 'pass' | 'warn' | 'fail';
  state: string;
  code?: string;
  /** The driver's USB path (SCardControl 3601), and the sysfs device the reader is (src/core/udev/reader-link.ts). */
  usb?: Omit<ReaderLink, 'reader'>;
};

export const pcscdReaders: DoctorCheck = {
  id: 'pcscd.readers',
  title: 'Each reader pcscd lists accepts a shared connection',
  description:
    "Lists pcscd's readers and connects to each in shared mode: tells an empty reader from a mute card, a reader that vanished, and one held exclusively by another program.",
  category: 'pcscd',
  platforms: ['linux', 'freebsd', 'openbsd'],
  dependsOn: ['pcscd.protocol'],
  timeoutMs: 30_000,
  async run(ctx) {
    const s = await hostSocket(ctx);
    const c = await PcscdContext.establish({ socket: s.host, env: {}, requestTimeout: 10_000 });
    try {
      const names = await c.listReaders();
      if (names.length === 0) {
        return result('warn', 'pcscd lists no reader', {
          details: [
            'Applications get "No readers available" (SCARD_E_NO_READERS_AVAILABLE, 0x8010002E). Plugged-in USB readers are checked by the udev checks.',
          ],
          fix: fix('Plug the reader in, then see why pcscd does not pick it up.', ['pcsc udev-check']),
          data: { readers: [] },
        });
      }
      const states = await c.getStatusChange(
        names.map((reader) => ({ reader })),
        { timeout: 0, signal: ctx.signal },
      );
      // One context per reader: pcscd answers a connection's requests in order, so a CONNECT stuck
      // behind another program's transaction would otherwise stall every reader after it.
      // Where pcscd's driver errors are logged: the journal under systemd, else wherever it was started to log.
      const log = (await detectMachine(ctx.probe)).init === 'systemd' ? 'journalctl -u pcscd' : "pcscd's log";
      // The USB paths on connections of their own, alongside: a busy reader delays both only once.
      const [verdicts, links] = await Promise.all([
        Promise.all(states.map((st) => tryReader(s.host, st.reader, st.flags, ctx.signal, log))),
        readerLinks(
          ctx.probe,
          s.host,
          states.map((st) => st.reader),
          ctx.signal,
        ),
      ]);
      verdicts.forEach((v, i) => {
        const { reader: _, ...usb } = links[i] as ReaderLink;
        v.usb = usb;
      });
      const worst = verdicts.some((v) => v.status === 'fail')
        ? 'fail'
        : verdicts.some((v) => v.status === 'warn')
          ? 'warn'
          : 'pass';
      const bad = verdicts.filter((v) => v.status !== 'pass');
      // A reader tied to no USB device and like none here (vpcd, a serial reader) gets no USB line.
      const tied = (u?: Omit<ReaderLink, 'reader'>): boolean => !!u && (u.matchedBy !== 'none' || !!u.candidates);
      const exclusive = verdicts.some((v) => v.code === 'SCARD_E_SHARING_VIOLATION' || v.code === 'SCARD_E_TIMEOUT');
      // Who may hold it: the programs connected to pcscd now, this process left out.
      const busy = exclusive ? await busyReport(ctx.probe, s.path, { exclude: [process.pid] }) : undefined;
      const who = busyWho(busy?.clients);
      for (const v of verdicts)
        if (v.code === 'SCARD_E_SHARING_VIOLATION' || v.code === 'SCARD_E_TIMEOUT') v.state += who;
      const details = verdicts.flatMap((v) => [
        `${v.reader}: ${v.state}`,
        ...(v.usb && tied(v.usb) ? [`${v.reader}: ${v.usb.note}`] : []),
      ]);
      const unavailable = verdicts.some((v) => v.code === 'SCARD_STATE_UNAVAILABLE');
      return result(
        worst,
        worst === 'pass'
          ? `${names.length} reader${names.length === 1 ? '' : 's'}, all usable`
          : bad.map((v) => `${v.reader}: ${v.state}`).join('; '),
        {
          details,
          ...(busy
            ? { fix: busy.fix }
            : unavailable
              ? {
                  fix: fix(
                    'Unplug the reader and plug it in again; if it stays unavailable, read pcscd\'s log for "Error communicating to" and check its driver (see the drivers checks).',
                  ),
                }
              : {}),
          data: { readers: verdicts, ...(busy?.clients ? { clients: busy.clients } : {}) },
        },
      );
    } finally {
      await c.release().catch(() => undefined);
    }
  },
};

/** How long a shared CONNECT may wait: pcscd holds it while another program's transaction lasts. */
const BUSY_WAIT_MS = 5000;

async function tryReader(
  socket: string,
  reader: string,
  flags: string[],
  signal: AbortSignal,
  log: string,
): Promise<ReaderVerdict> {
  // pcscd sets UNAVAILABLE while the driver reports errors ("Error communicating to" in its log).
  if (flags.includes('UNKNOWN'))
    return {
      reader,
      status: 'warn',
      state: 'the reader went away while we looked (unplugged?)',
      code: 'SCARD_STATE_UNKNOWN',
    };
  if (flags.includes('UNAVAILABLE'))
    return {
      reader,
      status: 'warn',
      state: 'the reader does not answer pcscd (state unavailable: its driver reports errors)',
      code: 'SCARD_STATE_UNAVAILABLE',
    };
  if (!flags.includes('PRESENT')) return { reader, status: 'pass', state: 'no card' };
  let c: PcscdContext | undefined;
  try {
    c = await PcscdContext.establish({ socket, env: {}, requestTimeout: BUSY_WAIT_MS });
    const card = await c.connect(reader, { share: 'shared', protocols: ['T=0', 'T=1'], signal });
    const proto = card.protocol;
    await card.disconnect('leave');
    return { reader, status: 'pass', state: `card present, connected shared (${proto ?? 'no protocol'})` };
  } catch (e) {
    if (!(e instanceof PcscError)) throw e;
    const code = scardName(e.code);
    switch (e.code) {
      case Scard.E_TIMEOUT:
        return {
          reader,
          status: 'fail',
          state: `busy: another program keeps a transaction open on the card (pcscd held a shared connect for over ${BUSY_WAIT_MS / 1000} s)`,
          code,
        };
      case Scard.E_NO_SMARTCARD:
        return { reader, status: 'pass', state: 'no card', code };
      case Scard.E_SHARING_VIOLATION:
        return {
          reader,
          status: 'fail',
          state: 'held exclusively by another program (SCARD_E_SHARING_VIOLATION)',
          code,
        };
      case Scard.W_UNRESPONSIVE_CARD:
        return {
          reader,
          status: 'warn',
          state: 'the card does not answer (mute: upside down, dirty contacts, or a memory card)',
          code,
        };
      case Scard.W_UNPOWERED_CARD:
        return { reader, status: 'warn', state: 'the card is not powered', code };
      case Scard.E_PROTO_MISMATCH:
        return { reader, status: 'warn', state: 'the card speaks neither T=0 nor T=1', code };
      case Scard.W_SECURITY_VIOLATION:
        return { reader, status: 'fail', state: 'access refused (polkit org.debian.pcsc-lite.access_card)', code };
      case Scard.E_READER_UNAVAILABLE:
        return {
          reader,
          status: 'fail',
          state: `reader unavailable (unplugged, or its driver failed: see ${log})`,
          code,
        };
      default:
        return { reader, status: 'fail', state: e.message, code };
    }
  } finally {
    await c?.release().catch(() => undefined);
  }
}
