// `pcsc version` (also `pcsc --version [--verbose]`, routed here by bin/run.js).
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { socketFlag } from '../cli/flags.js';
import type { VersionResult } from '../cli/version/result.js';

export default class Version extends BaseCommand {
  static override summary = 'Show the version (with --verbose: Node, and the pcscd release and protocol)';
  static override description = `Prints pcsc/VERSION PLATFORM node-NODE, as --version does. With --verbose, also connects to pcscd and shows the pcscd release serving the socket (pcscd --version of the process holding it, when it can be known), the protocol version it agreed on, and the socket it used (and where that path came from); when no pcscd answers, it says why, and still exits 0. With --json, daemon.daemonVersion is the release (null, with daemonVersionUnknown, when it cannot be known) and daemon.protocol the protocol.`;
  static override examples = [
    '<%= config.bin %> --version',
    '<%= config.bin %> --version --verbose',
    'PCSCLITE_CSOCK_NAME=/tmp/pcscd.comm <%= config.bin %> version --verbose --json',
  ];
  static override flags = {
    verbose: Flags.boolean({ description: "also show Node's version, and the pcscd release, protocol and socket" }),
    socket: socketFlag,
  };

  static exitCodes = { 0: 'the version was printed (with --verbose, whether or not pcscd answered)', 2: 'usage error' };

  async run(): Promise<VersionResult> {
    const { flags } = await this.parse(Version);
    const { runVersion } = await import('../cli/version/command.js');
    return runVersion(flags, { version: this.config.version, bin: this.config.bin }, this);
  }
}
