// The one-line messages and hints errors become (src/cli/errors.ts).
import { Parser } from '@oclif/core';
import * as Flags from '@oclif/core/flags';
import { afterEach, describe, expect, it } from 'vitest';
import { socketArg } from '../../../src/cli/report-failure.js';
import { describeFailure } from '../../../src/cli/errors.js';
import { serviceHint } from '../../../src/cli/service-hint.js';
import { PcscError, Scard } from '../../../src/core/errors.js';
import { DEFAULT_SOCKET } from '../../../src/core/pcscd/socket-path.js';
import { detectMachineNow, noServiceHint } from '../../../src/core/system/service.js';

async function parseError(argv: string[]): Promise<unknown> {
  const flags = { count: Flags.integer({ min: 1 }), a: Flags.boolean({ exclusive: ['b'] }), b: Flags.boolean() };
  return Parser.parse(argv, { flags }).then(
    () => new Error('parsed'),
    (e: unknown) => e,
  );
}

describe('describeFailure on parser errors', () => {
  it('a bad flag value keeps the reason on the same line', async () => {
    const f = describeFailure(await parseError(['--count', '0']));
    expect(f.exitCode).toBe(2);
    expect(f.message).toBe('Parsing --count: Expected an integer greater than or equal to 1 but received: 0');
    expect(f.json).toEqual({ code: 'EUSAGE', name: 'USAGE', message: f.message });
    expect(describeFailure(await parseError(['--count', 'x'])).message).toBe(
      'Parsing --count: Expected an integer but received: x',
    );
  });

  it('flags that exclude each other: the useful line, without the heading', async () => {
    expect(describeFailure(await parseError(['--a', '--b'])).message).toBe(
      '--b=true cannot also be provided when using --a',
    );
  });
});

describe('the hint after "Service not available"', () => {
  const refused = (path: string, code: string): PcscError =>
    new PcscError(Scard.E_NO_SERVICE, `nothing listens on ${path}`, {
      cause: Object.assign(new Error(code), { code }),
    });
  const saved = process.env.PCSCLITE_CSOCK_NAME;
  afterEach(() => {
    if (saved === undefined) delete process.env.PCSCLITE_CSOCK_NAME;
    else process.env.PCSCLITE_CSOCK_NAME = saved;
  });

  it('talks about PCSCLITE_CSOCK_NAME when that is the socket that failed', () => {
    process.env.PCSCLITE_CSOCK_NAME = '/tmp/x/pcscd.comm';
    const err = refused('/tmp/x/pcscd.comm', 'ECONNREFUSED');
    const f = describeFailure(err, { serviceHint: serviceHint(err, undefined) });
    expect(f.exitCode).toBe(3);
    expect(f.hint).toMatch(/^Nothing serves PCSCLITE_CSOCK_NAME=\/tmp\/x\/pcscd\.comm[;,] .*unset PCSCLITE_CSOCK_NAME/);
  });

  it('talks about --socket when the command was given one, which wins over the environment', () => {
    process.env.PCSCLITE_CSOCK_NAME = '/tmp/x/pcscd.comm';
    expect(serviceHint(refused('/tmp/y', 'ENOENT'), '/tmp/y')).toMatch(
      /^Nothing serves --socket \/tmp\/y[;,] .*leave out --socket/,
    );
  });

  it('the default socket: the start command of this machine, never sudo for root', () => {
    delete process.env.PCSCLITE_CSOCK_NAME;
    const hint = serviceHint(refused('/run/pcscd/pcscd.comm', 'ENOENT'), undefined);
    expect(hint).toMatch(/^Start pcscd \(.+\) or run `pcsc doctor`\.$/);
    expect(hint).toBe(
      noServiceHint(detectMachineNow(), { path: DEFAULT_SOCKET, source: 'default' }, false, DEFAULT_SOCKET),
    );
  });

  it('permission denied is not a stopped daemon', () => {
    expect(serviceHint(refused('/run/pcscd/pcscd.comm', 'EACCES'), undefined)).toBe(
      'You may not connect to that socket: run `pcsc doctor`.',
    );
    // Without the machine's look (the JSON path), the hint still says where to go.
    expect(describeFailure(refused('/run/pcscd/pcscd.comm', 'ENOENT')).hint).toBe(
      'Run `pcsc doctor` to see why no pcscd answers.',
    );
  });

  it('finds --socket on the command line, in both spellings', () => {
    expect(socketArg(['-r', '--socket', '/tmp/a'])).toBe('/tmp/a');
    expect(socketArg(['--socket=/tmp/b', '-r'])).toBe('/tmp/b');
    expect(socketArg(['--', '--socket', '/tmp/c'])).toBeUndefined();
    expect(socketArg(['-r'])).toBeUndefined();
  });
});

describe('describeFailure on the core errors', () => {
  it('each core error gets its exit code and JSON, a PC/SC one its hint; anything else is internal', async () => {
    const { CcidError, PcscError, Scard, UsageError } = await import('../../../src/core/index.js');
    const { NetworkError } = await import('../../../src/core/atr-list/index.js');
    const { ExitCode } = await import('../../../src/cli/exit-codes.js');
    const noService = describeFailure(new PcscError(Scard.E_NO_SERVICE, 'no pcscd'));
    expect(noService).toMatchObject({
      exitCode: ExitCode.SERVICE,
      json: { code: '0x8010001D', name: 'SCARD_E_NO_SERVICE' },
      hint: expect.stringMatching(/pcsc doctor/),
    });
    expect(describeFailure(new UsageError('bad hex', 'EHEX'))).toMatchObject({
      exitCode: ExitCode.USAGE,
      json: { code: 'EHEX', name: 'USAGE', message: 'bad hex' },
    });
    expect(describeFailure(new NetworkError('offline', 'EOFFLINE'))).toMatchObject({ exitCode: ExitCode.NETWORK });
    expect(describeFailure(new CcidError('stalled', 'EPIPE'))).toMatchObject({ json: { name: 'CCID_EPIPE' } });
    // An error that merely looks alike (no known kind) is not the core's: an internal error.
    const odd = Object.assign(new Error('odd'), { kind: 'weird', toJSON: () => ({}) });
    expect(describeFailure(odd)).toMatchObject({ exitCode: ExitCode.INTERNAL, json: { code: '0x80100001' } });
  });
});
