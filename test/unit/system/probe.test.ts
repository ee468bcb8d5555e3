import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProbe, splitDev } from '../../../src/core/system/probe.js';

const root = mkdtempSync(join(tmpdir(), 'pcsc-probe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(p: string, text: string): void {
  mkdirSync(join(root, p, '..'), { recursive: true });
  writeFileSync(join(root, p), text);
}

put('/etc/group', 'root:x:0:\npcscd:x:101:\n');
put('/usr/lib/udev/rules.d/92-libccid.rules', 'SUBSYSTEM=="usb"\n');
mkdirSync(join(root, 'lib'), { recursive: true });
symlinkSync('usr/lib', join(root, 'lib', '..', 'lib2'));
symlinkSync('/usr/lib/udev', join(root, 'udev-abs'));
put('/proc/42/cmdline', '/usr/lib/gnupg/scdaemon\0--multi-server\0');
put('/proc/42/status', 'Name:\tscdaemon\nUid:\t1000\t1000\t1000\t1000\n');
symlinkSync('/usr/lib/gnupg/scdaemon', join(root, 'proc', '42', 'exe'));
put('/proc/7/cmdline', '');
put('/proc/7/status', 'Name:\tkthreadd\nUid:\t0\t0\t0\t0\n');
put('/proc/self-not-a-pid/cmdline', 'x');

describe('SystemProbe over a fixture root', () => {
  const probe = createProbe({ root, platform: 'linux', env: { HOME: '/home/u' } });

  it('maps system paths under the root', async () => {
    expect(probe.path('/etc/group')).toBe(join(root, 'etc/group'));
    expect(await probe.readFile('/etc/group')).toContain('pcscd:x:101');
    expect(await probe.readFile('/etc/missing')).toBeNull();
    expect(await probe.readDir('/usr/lib/udev/rules.d')).toEqual(['92-libccid.rules']);
    expect(await probe.readDir('/nope')).toBeNull();
  });

  it('reads bytes under the root too, with the errno code when it cannot', async () => {
    put('/usr/lib/p11.so', '\x7fELF\x02');
    const b = await probe.readBytes('/usr/lib/p11.so');
    expect(b).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(b as Uint8Array).toString('latin1')).toBe('\x7fELF\x02');
    expect(await probe.readBytes('/usr/lib/missing.so')).toEqual({ error: 'ENOENT' });
    expect(await probe.readBytes('/usr/lib')).toEqual({ error: 'EISDIR' });
  });

  it('stats files and symlinks', async () => {
    const st = await probe.stat('/etc/group');
    expect(st?.isFile).toBe(true);
    expect(st?.isSocket).toBe(false);
    expect((await probe.lstat('/lib2'))?.isSymlink).toBe(true);
    expect(await probe.stat('/nope')).toBeNull();
  });

  it('resolves symlinks inside the root, absolute targets included', async () => {
    expect(await probe.readLink('/udev-abs')).toBe('/usr/lib/udev');
    expect(await probe.realPath('/udev-abs/rules.d/92-libccid.rules')).toBe('/usr/lib/udev/rules.d/92-libccid.rules');
    expect(await probe.realPath('/lib2/udev/../udev/rules.d')).toBe('/usr/lib/udev/rules.d');
    expect(await probe.realPath('/udev-abs/nope')).toBeNull();
  });

  it('lists processes from <root>/proc', async () => {
    const ps = await probe.processes();
    expect(ps).toEqual([
      { pid: 7, argv: [], uid: 0 },
      { pid: 42, argv: ['/usr/lib/gnupg/scdaemon', '--multi-server'], uid: 1000, exe: '/usr/lib/gnupg/scdaemon' },
    ]);
  });

  it('lists the same processes when a test replaces readFile (status then read through it)', async () => {
    const plain = createProbe({ root });
    const replaced = createProbe({ root }, { readFile: (p) => plain.readFile(p) });
    expect(await replaced.processes()).toEqual(await probe.processes());
  });

  it('runs no programs of a fixture tree', async () => {
    expect(await probe.run('true', [])).toBeNull();
  });

  it('lets tests replace any method', async () => {
    const p = createProbe({ root }, { run: async () => ({ code: 0, stdout: 'scripted', stderr: '' }) });
    expect((await p.run('pcscd', ['--version']))?.stdout).toBe('scripted');
    expect(await p.readFile('/etc/group')).toContain('root');
  });
});

describe('SystemProbe on the live system', () => {
  const probe = createProbe();
  it('runs programs with an argument array and reports exit codes', async () => {
    const ok = await probe.run(process.execPath, ['-e', 'process.stdout.write("a b;c")']);
    expect(ok).toEqual({ code: 0, stdout: 'a b;c', stderr: '' });
    const bad = await probe.run(process.execPath, ['-e', 'process.exit(3)']);
    expect(bad?.code).toBe(3);
    expect(await probe.run('/nonexistent/program', [])).toBeNull();
  });
  it('finds a program by name along PATH, past entries that hold nothing or are no directory; one found nowhere is null', async () => {
    const bin = join(root, 'bin-on-path');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'pcsc-probe-program'), '#!/bin/sh\necho "found $1"\n');
    chmodSync(join(bin, 'pcsc-probe-program'), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = [join(root, 'nosuch'), join(root, 'etc', 'group'), bin, '/usr/bin', '/bin'].join(':');
    try {
      const live = createProbe();
      expect(await live.run('pcsc-probe-program', ['x'])).toEqual({ code: 0, stdout: 'found x\n', stderr: '' });
      expect(await live.run('pcsc-probe-program', ['y'])).toEqual({ code: 0, stdout: 'found y\n', stderr: '' });
      expect(await live.run('pcsc-no-such-program', [])).toBeNull();
    } finally {
      process.env.PATH = saved;
    }
  });
  it('stops a program that overruns its time', async () => {
    const r = await probe.run(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 100 });
    expect(r?.code).toBeNull();
  });
  it('sees its own process', async () => {
    const me = (await probe.processes()).find((p) => p.pid === process.pid);
    expect(me?.argv).toContain(process.argv[1] ?? '');
    expect(me?.uid).toBe(process.getuid?.());
  });
  it('reads its own process the same way with status and exe read synchronously or not', async () => {
    const allAsync = createProbe({}, { readLink: (p) => probe.readLink(p) }); // an override: every read asynchronous
    const mine = async (p: typeof probe) => (await p.processes()).find((x) => x.pid === process.pid);
    const [a, b] = await Promise.all([mine(probe), mine(allAsync)]);
    expect(a?.exe).toBe(process.execPath);
    expect(a).toEqual(b);
  });
  it('reads device numbers of character devices', async () => {
    const st = await probe.stat('/dev/null');
    expect(st?.isCharDevice).toBe(true);
    expect(st?.rdev).toEqual({ major: 1, minor: 3 });
  });
});

describe('splitDev', () => {
  it('decodes Linux dev_t, including large minors', () => {
    expect(splitDev(0x0103)).toEqual({ major: 1, minor: 3 });
    expect(splitDev((189 << 8) | 4)).toEqual({ major: 189, minor: 4 });
    // major 189, minor 300: minor's high bits live at bits 20..
    expect(splitDev((189 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12))).toEqual({ major: 189, minor: 300 });
  });
});
