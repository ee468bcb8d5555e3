// `pcsc version` (also `pcsc --version [--verbose]`, routed here by bin/run.js).
import { Flags } from '@oclif/core';
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
    const result: VersionResult = {
      version: this.config.version,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    if (flags.verbose) {
      const { probeDaemon } = await import('../cli/version/daemon.js');
      result.daemon = await probeDaemon(flags.socket);
    }
    if (!this.jsonEnabled()) {
      const { renderVersion } = await import('../cli/version/render.js');
      for (const l of renderVersion(this.config.bin, result)) this.log(l);
    }
    return result;
  }
}
