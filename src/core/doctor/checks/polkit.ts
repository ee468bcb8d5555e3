// polkit and pcscd (pcsc-lite doc/README.polkit): the two actions org.debian.pcsc-lite.access_pcsc
// (connecting) and access_card (SCardConnect), their defaults (active local sessions only), the
// owner annotation pcscd 2.4.0+ needs to ask polkit as user pcscd, polkitd itself, and local rules.

import type { DoctorCheck } from '../types.js';
import type { SystemProbe } from '../../system/types.js';
import { findUser } from '../../system/accounts.js';
import { installCommand, osInfo, packageName } from '../../system/os.js';
import { pcscdBinary, pcscdDefaults, pcscdProcess, pcscdUnit, pcscdUser, splitWords } from '../../system/pcscd-info.js';
import { processList } from '../../system/memo.js';
import { detectMachine, mustElevate, shq, writeAsRoot, type Machine } from '../../system/service.js';
import { daemonSocket, fix, result, SCAN_TIMEOUT_MS } from './util.js';

const POLICY = '/usr/share/polkit-1/actions/org.debian.pcsc-lite.policy';
const RULE_DIRS = ['/etc/polkit-1/rules.d', '/usr/share/polkit-1/rules.d', '/usr/local/share/polkit-1/rules.d'];
const POLKITD = [
  '/usr/lib/polkit-1/polkitd',
  '/usr/libexec/polkitd',
  '/usr/lib/polkit/polkitd',
  '/usr/libexec/polkit-1/polkitd',
];

async function disabledByOption(probe: SystemProbe, socket: string): Promise<boolean> {
  const args = [
    ...splitWords((await pcscdDefaults(probe))?.vars.PCSCD_ARGS ?? ''),
    ...((await pcscdUnit(probe))?.execStart ?? []),
    ...((await pcscdProcess(probe, socket))?.argv ?? []),
  ];
  return args.includes('--disable-polkit');
}

/** The defaults block of one action in the policy XML. */
function actionDefaults(
  xml: string,
  id: string,
): { any?: string; inactive?: string; active?: string; owner?: string } | undefined {
  const m = new RegExp(`<action id="${id.replace(/\./g, '\\.')}">([\\s\\S]*?)</action>`).exec(xml);
  if (!m) return undefined;
  const body = m[1] as string;
  const tag = (t: string): string | undefined => new RegExp(`<${t}>\\s*([^<]*?)\\s*</${t}>`).exec(body)?.[1];
  const owner = /<annotate key="org\.freedesktop\.policykit\.owner">\s*([^<]*?)\s*<\/annotate>/.exec(body)?.[1];
  const out: { any?: string; inactive?: string; active?: string; owner?: string } = {};
  for (const [k, t] of [
    ['any', 'allow_any'],
    ['inactive', 'allow_inactive'],
    ['active', 'allow_active'],
  ] as const) {
    const v = tag(t);
    if (v !== undefined) out[k] = v;
  }
  if (owner !== undefined) out.owner = owner;
  return out;
}

/** A polkit rule allowing one user, by name (polkit(8): rules see subject.user, never a bare uid). */
export function ruleFor(user: string): string {
  return [
    'polkit.addRule(function(action, subject) {',
    '    if ((action.id == "org.debian.pcsc-lite.access_pcsc" || action.id == "org.debian.pcsc-lite.access_card") &&',
    `        subject.user == "${user}") {`,
    '        return polkit.Result.YES;',
    '    }',
    '});',
  ].join('\n');
}

/** The command that writes `rule` to `file` as root, as a single printf line. */
export function writeRuleCommand(rule: string, file: string, m: Pick<Machine, 'elevate'>): string {
  return writeAsRoot(`printf '%s\\n' ${rule.split('\n').map(shq).join(' ')}`, file, m);
}

export const polkit: DoctorCheck = {
  id: 'polkit',
  title: 'polkit lets you use pcscd',
  description:
    'A pcscd built with polkit asks it at every connection (access_pcsc) and card connect (access_card). The default policy allows only active local sessions, so SSH sessions, services and containers get "Access denied" unless a rule allows them.',
  category: 'access',
  platforms: ['linux', 'freebsd'],
  dependsOn: ['pcscd.installed'],
  timeoutMs: SCAN_TIMEOUT_MS,
  async run(ctx) {
    const { probe } = ctx;
    const socket = await daemonSocket(ctx);
    const bin = await pcscdBinary(probe);
    if (!bin.features.includes('polkit'))
      return result('skip', `pcscd ${bin.version ?? ''} is built without polkit`.replace('  ', ' '));
    if (await disabledByOption(probe, socket)) return result('skip', 'pcscd runs with --disable-polkit');
    const [os, m] = await Promise.all([osInfo(probe), detectMachine(probe)]);
    const xml = await probe.readFile(POLICY);
    const pcscdName = (await pcscdUser(probe, socket)).name;
    const data: Record<string, unknown> = { policy: xml === null ? null : POLICY, pcscdUser: pcscdName };
    if (xml === null) {
      return result('fail', `pcscd uses polkit but its policy ${POLICY} is missing`, {
        details: [
          'polkit knows no org.debian.pcsc-lite actions, so it refuses them: every client gets "Access denied" (SCARD_W_SECURITY_VIOLATION).',
        ],
        fix: fix(
          'Reinstall pcscd to restore the policy file.',
          [installCommand(os.family, ['--reinstall', packageName('pcscd', os.family)], m)],
          mustElevate(m),
        ),
        data,
      });
    }
    const acts = {
      access_pcsc: actionDefaults(xml, 'org.debian.pcsc-lite.access_pcsc'),
      access_card: actionDefaults(xml, 'org.debian.pcsc-lite.access_card'),
    };
    data.actions = acts;
    let polkitd: string | undefined;
    for (const p of POLKITD) if ((await probe.stat(p))?.isFile) polkitd = p;
    if (!polkitd && !(await processList(probe)).some((p) => (p.argv[0] ?? '').endsWith('polkitd'))) {
      return result('fail', 'pcscd needs polkit, but polkitd is not installed', {
        details: ['pcscd logs "polkit_authority_get_sync failed" and refuses every client (common in containers).'],
        fix: fix(
          'Install polkitd, or start pcscd with --disable-polkit (PCSCD_ARGS in /etc/default/pcscd).',
          [installCommand(os.family, [packageName('polkit', os.family)], m)],
          mustElevate(m),
        ),
        data,
      });
    }
    if (
      pcscdName !== 'root' &&
      (acts.access_pcsc?.owner !== `unix-user:${pcscdName}` || acts.access_card?.owner !== `unix-user:${pcscdName}`)
    ) {
      return result(
        'fail',
        `pcscd runs as ${pcscdName}, but the policy does not let that user ask polkit about others`,
        {
          details: [
            `The actions lack <annotate key="org.freedesktop.policykit.owner">unix-user:${pcscdName}</annotate> (added in pcsc-lite 2.4.0); polkit then refuses pcscd's questions and every client is denied.`,
          ],
          fix: fix(
            'Install the policy file of the same pcsc-lite version as pcscd.',
            [installCommand(os.family, ['--reinstall', packageName('pcscd', os.family)], m)],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    const rules: string[] = [];
    for (const d of RULE_DIRS)
      for (const f of (await probe.readDir(d)) ?? [])
        if (f.endsWith('.rules') && /org\.debian\.pcsc-lite/.test((await probe.readFile(`${d}/${f}`)) ?? ''))
          rules.push(`${d}/${f}`);
    data.rules = rules;
    const me =
      probe.uid !== undefined ? ((await findUser(probe, probe.uid))?.name ?? String(probe.uid)) : probe.env.USER;
    const remote = Boolean(probe.env.SSH_CONNECTION || probe.env.SSH_TTY);
    const noSession = !probe.env.XDG_SESSION_ID;
    const details = [
      `access_pcsc: allow_any=${acts.access_pcsc?.any}, allow_inactive=${acts.access_pcsc?.inactive}, allow_active=${acts.access_pcsc?.active}`,
      ...rules.map((r) => `local rule: ${r}`),
    ];
    if ((remote || noSession) && rules.length === 0 && acts.access_pcsc?.any !== 'yes' && me !== undefined) {
      return result(
        'warn',
        `${remote ? 'An SSH session' : 'A session polkit does not see as local and active'} gets "Access denied" from pcscd`,
        {
          details: [
            ...details,
            'The default policy allows only active local sessions; no local rule allows anyone else.',
          ],
          fix: fix(
            `Allow your user (${me}) with a polkit rule.`,
            [writeRuleCommand(ruleFor(me), `/etc/polkit-1/rules.d/50-pcscd-${me}.rules`, m)],
            mustElevate(m),
          ),
          data,
        },
      );
    }
    return result(
      'pass',
      rules.length
        ? `polkit policy present; ${rules.length} local rule${rules.length === 1 ? '' : 's'} for pcscd`
        : 'polkit policy present; local active sessions may use pcscd',
      { details, data },
    );
  },
};
