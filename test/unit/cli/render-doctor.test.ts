import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import {
  notApplicable,
  renderCheck,
  renderList,
  renderReaders,
  renderReport,
  summaryLine,
  type ReaderRow,
} from '../../../src/cli/render/doctor.js';
import { summarize } from '../../../src/core/engine/engine.js';
import type { CheckReport } from '../../../src/core/engine/types.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });

const checks: CheckReport[] = [
  {
    id: 'pcscd.installed',
    title: 'installed',
    category: 'pcscd',
    status: 'pass',
    summary: 'pcscd 1.9.9',
    details: ['binary: /usr/sbin/pcscd'],
    fix: null,
    durationUs: 1500,
  },
  {
    id: 'pcscd.socket',
    title: 'socket',
    category: 'pcscd',
    status: 'fail',
    summary: 'No pcscd socket',
    details: ['why it matters'],
    fix: { text: 'Start pcscd.', commands: ['sudo systemctl enable --now pcscd.socket'], root: true },
    durationUs: 10,
  },
  {
    id: 'udev.readers',
    title: 'readers',
    category: 'udev',
    status: 'warn',
    summary: 'No reader',
    details: [],
    fix: null,
    durationUs: 10,
  },
  {
    id: 'macos.ccid-driver',
    title: 'mac',
    category: 'macos',
    status: 'skip',
    summary: 'Only on darwin',
    details: [],
    fix: null,
    durationUs: 0,
  },
];

describe('doctor renderer', () => {
  const report = { ...summarize(checks), protocol: '4:4' };

  it('by default shows only the problems, with their fixes, and one summary line', () => {
    expect(renderReport(report, { style: plain })).toEqual([
      'pcscd',
      '  ✘ No pcscd socket [pcscd.socket]',
      '      · why it matters',
      '      fix: Start pcscd. (needs root)',
      '        $ sudo systemctl enable --now pcscd.socket',
      '',
      'USB readers and udev',
      '  ! No reader [udev.readers]',
      '',
      '1 check passed, 1 warning, 1 failed, 1 not applicable (pcscd protocol 4:4); --verbose shows every check',
    ]);
  });

  it('with no problem, the summary line alone', () => {
    const healthy = summarize([checks[0] as CheckReport, checks[3] as CheckReport]);
    expect(renderReport(healthy, { style: plain })).toEqual([
      '1 check passed, 1 not applicable; --verbose shows every check',
    ]);
  });

  it('with --verbose (or all), every check grouped by category, passes and skips included', () => {
    const lines = renderReport(report, { style: plain, all: true });
    expect(lines).toEqual([
      'pcscd',
      '  ✔ pcscd 1.9.9 [pcscd.installed]',
      '  ✘ No pcscd socket [pcscd.socket]',
      '      · why it matters',
      '      fix: Start pcscd. (needs root)',
      '        $ sudo systemctl enable --now pcscd.socket',
      '',
      'USB readers and udev',
      '  ! No reader [udev.readers]',
      '',
      'macOS',
      '  - Only on darwin [macos.ccid-driver]',
      '',
      '1 check passed, 1 warning, 1 failed, 1 not applicable (pcscd protocol 4:4)',
    ]);
    expect(renderReport(report, { style: plain, verbose: true })).toContain('  ✔ pcscd 1.9.9 [pcscd.installed]');
  });

  it('tells a check skipped for a failed dependency from one that cannot apply here', () => {
    const blocked: CheckReport = {
      ...(checks[0] as CheckReport),
      id: 'pcscd.protocol',
      status: 'skip',
      summary: 'Skipped: needs "socket", which failed',
      data: { blockedBy: 'pcscd.socket' },
    };
    const naChain: CheckReport = { ...blocked, id: 'macos.x', data: { blockedBy: 'macos.ccid-driver' } };
    const r = summarize([...checks, blocked, naChain]);
    expect(notApplicable(blocked, r.checks)).toBe(false);
    expect(notApplicable(naChain, r.checks)).toBe(true);
    expect(summaryLine(r, plain)).toBe(
      '1 check passed, 1 warning, 1 failed, 1 skipped (a check they need did not pass), 2 not applicable',
    );
  });

  it('marks nothing as needing root when the fix does not say so (the user is root)', () => {
    const c = checks[1] as CheckReport;
    const asRoot = { ...c, fix: { text: 'Start pcscd.', commands: ['systemctl enable --now pcscd.socket'] } };
    expect(renderCheck(asRoot, { style: plain }).slice(2)).toEqual([
      '      fix: Start pcscd.',
      '        $ systemctl enable --now pcscd.socket',
    ]);
  });

  it('shows every detail and the durations with --verbose', () => {
    const lines = renderReport(report, { style: plain, verbose: true });
    expect(lines).toContain('      · binary: /usr/sbin/pcscd');
    expect(lines).toContain('      1.5 ms');
  });

  it('colours only when the style has colours', () => {
    expect(renderReport(report, { style: plain }).join('\n')).not.toContain('\x1b[');
    expect(renderReport(report, { style: colour }).join('\n')).toContain('\x1b[31m✘\x1b[39m');
  });

  it('counts errors in the summary', () => {
    const r = summarize([{ ...checks[0]!, status: 'error', summary: 'crashed' }]);
    expect(summaryLine(r, plain)).toBe('0 checks passed, 1 error');
  });

  it('lists checks aligned, with their platform when there is only one', () => {
    expect(
      renderList(
        [
          {
            id: 'pcscd.installed',
            title: 'pcscd is installed',
            category: 'pcscd',
            platforms: ['linux', 'darwin'],
            dependsOn: [],
          },
          { id: 'macos.ccid-driver', title: 'CCID driver', category: 'macos', platforms: ['darwin'], dependsOn: [] },
        ],
        { style: plain },
      ),
    ).toEqual(['pcscd.installed    pcscd  pcscd is installed', 'macos.ccid-driver  macos  CCID driver (darwin only)']);
  });
});

describe('udev-check reader renderer', () => {
  const row: ReaderRow = {
    name: 'Gemalto USB SmartCard Reader',
    vid: '08e6',
    pid: '3437',
    busPath: '1-2',
    node: '/dev/bus/usb/001/004',
    owner: 'root',
    group: 'root',
    mode: '0664',
    rules: { group: { value: 'pcscd', at: '/usr/lib/udev/rules.d/92-libccid.rules:12' } },
    groupOnChange: null,
    pcscdCanOpen: false,
    youCanOpen: false,
    pcscdUser: 'pcscd',
  };
  it('says what the node is, which line set it, and the verdict', () => {
    expect(renderReaders([row], plain)).toEqual([
      'Gemalto USB SmartCard Reader  08e6:3437  bus 1-2  /dev/bus/usb/001/004',
      '  node:    root:root 0664',
      '  group:   pcscd, set by /usr/lib/udev/rules.d/92-libccid.rules:12',
      '           on a "change" event the rules give no group instead',
      '  mode:    no udev rule sets it (kernel default)',
      '  verdict: ✘ pcscd (user pcscd) cannot open it; you cannot (only pcscd needs to)',
      '',
    ]);
  });
  it('says so when there is no reader', () => {
    expect(renderReaders([], plain)).toEqual(['No USB smart card reader found.']);
  });
});
