import * as Flags from '@oclif/core/flags';
import { ux } from '@oclif/core/ux';
import { BaseCommand } from '../cli/base.js';
import { clientSlotsFlag, legacyNamesFlag, modeFlag, proxyExitCodes, upstreamFlag } from '../cli/proxy/flags.js';
import type { SpyResult } from '../cli/proxy/result.js';

export default class Spy extends BaseCommand {
  static override summary = 'Log every PC/SC call clients make, decoded, on the way to pcscd';
  static override description =
    'The same front as `pcsc proxy`, logging each call: command, reader, share mode, protocol, APDU bytes, status word ' +
    'and its meaning, return code, time taken. With --json, one JSON object per line. PINs and keys (VERIFY, CHANGE REFERENCE DATA, ' +
    'RESET RETRY COUNTER, …: docs/apdu.md) are masked unless --show-secrets. Works for static and sandboxed clients. Runs until Ctrl-C.';

  static override examples = [
    '<%= config.bin %> spy',
    'PCSCLITE_CSOCK_NAME=$XDG_RUNTIME_DIR/pcsc-spy.comm pcsc_scan',
    '<%= config.bin %> spy --json --output trace.jsonl',
  ];

  static exitCodes = proxyExitCodes;

  static environment = {
    PCSCLITE_CSOCK_NAME: "The default for --upstream (pcscd's socket). Clients of the proxy set it to --listen.",
    XDG_RUNTIME_DIR: 'Where the default --listen socket goes (pcsc-spy.comm); the temporary directory without it.',
  };

  static override flags = {
    listen: Flags.string({
      description: 'socket path to listen on (default: $XDG_RUNTIME_DIR/pcsc-spy.comm)',
      helpValue: 'PATH',
    }),
    upstream: upstreamFlag,
    mode: modeFlag,
    output: Flags.string({
      char: 'o',
      description: 'write the log to this file (mode 0600) instead of stdout',
      helpValue: 'FILE',
    }),
    'show-secrets': Flags.boolean({ description: 'show PIN and key bytes instead of masking them', default: false }),
    'legacy-names': legacyNamesFlag,
    'client-slots': clientSlotsFlag,
  };

  async run(): Promise<SpyResult> {
    const { flags } = await this.parse(Spy);
    const { serve } = await import('../cli/proxy/serve.js');
    const { defaultSpySocket } = await import('../core/proxy/index.js');
    const listen = flags.listen ?? defaultSpySocket();
    const spy = { json: this.jsonEnabled(), output: flags.output, showSecrets: flags['show-secrets'] };
    const result = await serve(
      {
        listen,
        upstream: flags.upstream,
        mode: flags.mode,
        legacyNames: flags['legacy-names'],
        clientSlots: flags['client-slots'],
        spy,
      },
      this.signal,
    );
    // ux.stderr: oclif's logToStderr is silent under --json, where this note matters as much.
    ux.stderr(`pcsc: stopped after ${result.served} client connection${result.served === 1 ? '' : 's'}`);
    // With --json the records were the output; a summary object would break the one-object-per-line stream.
    return this.jsonEnabled() ? undefined : result;
  }
}
