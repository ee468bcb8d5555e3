import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { socketFlag } from '../cli/flags.js';

export interface VersionResult {
  version: string;
  node: string;
  platform: string;
  daemon?: { protocol: string; socket: string; daemonVersion: string } | { error: string; socket: string };
}

export default class Version extends BaseCommand {
  static override summary = 'Show the version (with --verbose: Node, and the pcscd protocol negotiated)';
  static override examples = ['<%= config.bin %> --version', '<%= config.bin %> --version --verbose', '<%= config.bin %> version --json'];
  static override flags = {
    verbose: Flags.boolean({ description: "also show Node's version and the pcscd protocol and socket" }),
    socket: socketFlag,
  };

  async run(): Promise<VersionResult> {
    const { flags } = await this.parse(Version);
    const result: VersionResult = { version: this.config.version, node: process.version, platform: `${process.platform}-${process.arch}` };
    if (flags.verbose) {
      const { probeDaemon } = await import('../cli/version/daemon.js');
      result.daemon = await probeDaemon(flags.socket);
    }
    if (!this.jsonEnabled()) {
      this.log(`${this.config.bin}/${result.version} ${result.platform} node-${result.node}`);
      const d = result.daemon;
      if (d && 'error' in d) this.log(`pcscd: ${d.error} (socket ${d.socket})`);
      else if (d) this.log(`pcscd: protocol ${d.protocol} (daemon says ${d.daemonVersion}), socket ${d.socket}`);
    }
    return result;
  }
}
