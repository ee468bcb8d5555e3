import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { termSafe } from '../cli/escape.js';
import { clientSlotsFlag, legacyNamesFlag, modeFlag, proxyExitCodes, upstreamFlag } from '../cli/proxy/flags.js';
import type { PrintSystemdResult, ProxyResult } from '../cli/proxy/result.js';

export default class ProxyCommand extends BaseCommand {
  static override summary = 'Let clients of any pcsc-lite version (protocol 4:2–4:6) use this pcscd';
  static override description =
    'Listens on its own socket and forwards every client to pcscd at the version pcscd speaks, translating what differs ' +
    '(reader-state arrays, event waits, reader events, 4:6 array sizes). Point clients at it with PCSCLITE_CSOCK_NAME. ' +
    'Runs until Ctrl-C (or SIGTERM), then removes its socket and exits 0. Without --listen it listens at ' +
    '$XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm (else /tmp/pcsc-proxy-UID/pcscd.comm) and creates that directory, mode 0700. ' +
    'Started by systemd (LISTEN_FDS), it serves the socket systemd passed and leaves it in place; --print-systemd prints ' +
    'the user units for that and the commands that install them.';

  static override examples = [
    '<%= config.bin %> proxy',
    'PCSCLITE_CSOCK_NAME=$XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm flatpak run com.example.App',
    '<%= config.bin %> proxy --print-systemd',
    '<%= config.bin %> proxy --listen /tmp/old.comm --upstream /run/pcscd/pcscd.comm --legacy-names',
  ];

  static exitCodes = proxyExitCodes;

  static environment = {
    PCSCLITE_CSOCK_NAME: "The default for --upstream (pcscd's socket). Clients of the proxy set it to --listen.",
    XDG_RUNTIME_DIR: 'Where the default --listen socket goes (pcsc-proxy/pcscd.comm); /tmp/pcsc-proxy-UID without it.',
    LISTEN_FDS:
      'With LISTEN_PID: a listening socket passed by systemd as fd 3 (socket activation), served instead of --listen.',
  };

  static override flags = {
    listen: Flags.string({
      description:
        'socket path to listen on (mode 0600 unless --mode; a missing last directory is created 0700). Default: $XDG_RUNTIME_DIR/pcsc-proxy/pcscd.comm',
      helpValue: 'PATH',
    }),
    upstream: upstreamFlag,
    mode: modeFlag,
    'legacy-names': legacyNamesFlag,
    'client-slots': clientSlotsFlag,
    'print-systemd': Flags.boolean({
      description:
        'print systemd user units (socket + service) that start this proxy on demand, and how to install them',
    }),
    unit: Flags.string({
      description: 'with --print-systemd: print only this unit, to redirect into its file',
      options: ['socket', 'service'],
      dependsOn: ['print-systemd'],
    }),
  };

  async run(): Promise<ProxyResult> {
    const { flags } = await this.parse(ProxyCommand);
    if (flags['print-systemd'])
      return this.printSystemd(flags.upstream, flags.unit as 'socket' | 'service' | undefined, flags['client-slots']);
    const { serve } = await import('../cli/proxy/serve.js');
    const { activatedListen } = await import('../cli/proxy/activation.js');
    const { listen, activation } = activatedListen(flags.listen);
    const result = await serve(
      {
        listen,
        upstream: flags.upstream,
        mode: flags.mode,
        legacyNames: flags['legacy-names'],
        clientSlots: flags['client-slots'],
        ...(activation ? { activation } : {}),
      },
      this.signal,
    );
    this.logToStderr(
      `pcsc: stopped after ${result.served} client connection${result.served === 1 ? '' : 's'}; ${activation ? `left ${termSafe(result.listen)} to systemd` : `removed ${termSafe(result.listen)}`}`,
    );
    return result;
  }

  private async printSystemd(
    upstream: string | undefined,
    unit: 'socket' | 'service' | undefined,
    clientSlots: number | undefined,
  ): Promise<PrintSystemdResult> {
    const { resolveSocketPath } = await import('../core/internal.js');
    const { renderUnits, unitsFor } = await import('../cli/proxy/systemd.js');
    const u = unitsFor(resolveSocketPath({ path: upstream }).path, clientSlots);
    if (this.jsonEnabled()) return unit ? u[unit] : u;
    if (unit) process.stdout.write(u[unit].text);
    else for (const line of renderUnits(u)) this.log(line);
    return u;
  }
}
