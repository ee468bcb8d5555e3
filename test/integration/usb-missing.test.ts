// Without the optional `usb` package, the CLI still works, the USB backend says what is missing,
// and `pcsc doctor` (through the core's usbStatus()) says why.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pcsc, type CliResult } from '../helpers/cli.js';
import { REPO } from './helpers/ccid-vm.js';

const run = promisify(execFile);
const HIDE = ['--import', `${REPO}test/rig/hide-usb.mjs`];

const cli = (args: string[]): Promise<CliResult> => pcsc(args, { node: HIDE, env: { ...process.env, NO_COLOR: '1' } });

describe('without the usb package', () => {
  it('fails --backend usb with one line that says what to install, exit 3', async () => {
    const r = await cli(['scan', '-r', '--backend', 'usb']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^pcsc: the USB backend needs the optional npm package usb@3 .*Cannot find package 'usb'.*--backend pcscd\n$/,
    );
  });

  it('keeps pcscd errors as they are on a named socket, and the rest of the CLI working', async () => {
    const r = await cli(['scan', '-r', '--socket', '/nonexistent/pcscd.comm']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PC\/SC service \(pcscd\) not running \(0x8010001D\)/);
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('pcsc doctor reports the USB backend unavailable, and why, as a warning', async () => {
    const r = await cli(['doctor', 'drivers.usb-backend', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      checks: { id: string; status: string; summary: string; data: { available: boolean; error: string } }[];
    };
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ id: 'drivers.usb-backend', status: 'warn', data: { available: false } });
    expect(report.checks[0]?.data.error).toMatch(/optional npm package usb@3 .*Cannot find package 'usb'/);
    // With the package there, the same check passes.
    const ok = await pcsc(['doctor', 'drivers.usb-backend', '--json'], { env: { ...process.env, NO_COLOR: '1' } });
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as typeof report).checks[0]).toMatchObject({
      status: 'pass',
      data: { available: true, version: expect.stringMatching(/^3\./) },
    });
  });

  it('reports the reason through usbStatus()', async () => {
    const { stdout } = await run(process.execPath, [
      ...HIDE,
      '--input-type=module',
      '-e',
      `
      const { usbStatus } = await import(${JSON.stringify(`${REPO}dist/core/ccid/index.js`)});
      console.log(JSON.stringify(await usbStatus()));`,
    ]);
    const s = JSON.parse(stdout) as { available: boolean; error: string };
    expect(s.available).toBe(false);
    expect(s.error).toMatch(/optional npm package usb@3/);
  });
});
