import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { termSafe } from '../cli/escape.js';
import { legacyNamesFlag, modeFlag, proxyExitCodes, upstreamFlag } from '../cli/proxy/flags.js';

export default class ProxyCommand extends BaseCommand {
  static override summary = 'Let clients of any pcsc-lite version (protocol 4:2–4:6) use this pcscd';
  static override description =
    'Listens on its own socket and forwards every client to pcscd at the version pcscd speaks, translating what differs ' +
    '(reader-state arrays, event waits, reader events, 4:6 array sizes). Point clients at it with PCSCLITE_CSOCK_NAME. ' +
    'Runs until Ctrl-C (or SIGTERM), then removes its socket and exits 0.';

  static override examples = [
    '<%= config.bin %> proxy --listen $XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm',
    'PCSCLITE_CSOCK_NAME=$XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm old-app',
    '<%= config.bin %> proxy --listen /tmp/old.comm --upstream /run/pcscd/pcscd.comm --legacy-names',
  ];

  static exitCodes = proxyExitCodes;

  static environment = {
    PCSCLITE_CSOCK_NAME: "The default for --upstream (pcscd's socket). Clients of the proxy set it to --listen.",
  };

  static override flags = {
    listen: Flags.string({
      description: 'socket path to listen on (mode 0600 unless --mode)',
      helpValue: 'PATH',
      required: true,
    }),
    upstream: upstreamFlag,
    mode: modeFlag,
    'legacy-names': legacyNamesFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ProxyCommand);
    const { serve } = await import('../cli/proxy/serve.js');
    const result = await serve(
      { listen: flags.listen, upstream: flags.upstream, mode: flags.mode, legacyNames: flags['legacy-names'] },
      this.signal,
    );
    this.logToStderr(
      `pcsc: stopped after ${result.served} client connection${result.served === 1 ? '' : 's'}; removed ${termSafe(result.listen)}`,
    );
    return result;
  }
}
