// `pcsc ssh-check`: would ssh-agent load this PKCS#11 provider (its -P list, the file itself), and the fixes.
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import type { SshCheckResult } from '../core/ssh/index.js';

export default class SshCheck extends BaseCommand {
  static override summary = 'Explain whether ssh-agent would load a PKCS#11 provider, and how to fix it';
  static override description = [
    'Does what ssh-agent does with `ssh-add -s PROVIDER`, without loading anything: resolves the real path,',
    "matches it against the agent's -P allowed-providers list (read from the running agent, or the default",
    '/usr/lib*/*,/usr/local/lib*/*), checks the file is a PKCS#11 library for this machine whose libraries',
    'the loader can find, and prints the fixes. Exit 0 when the agent would accept it, 1 when not.',
  ].join(' ');
  static override aliases = ['ssh-agent-provider-check'];
  static override examples = [
    '<%= config.bin %> ssh-check /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
    "<%= config.bin %> ssh-check /opt/homebrew/lib/libykcs11.dylib -P '/usr/lib*/*,/opt/homebrew/lib/*'",
    '<%= config.bin %> ssh-check ./libsofthsm2.so --json',
  ];
  static override args = {
    provider: Args.string({
      description: 'the provider path, exactly as you would give it to ssh-add -s',
      required: true,
    }),
  };
  static override flags = {
    'allowed-providers': Flags.string({
      char: 'P',
      description: "judge against this -P list instead of the running agent's",
      helpValue: 'LIST',
    }),
  };

  static exitCodes = {
    0: 'the agent would accept the provider (warnings allowed)',
    1: 'it would refuse it, or a problem was found',
    2: 'usage error: no provider, unknown flag',
    70: 'internal error (a bug in pcsc)',
    130: 'interrupted (Ctrl-C)',
  };
  static environment = {
    SSH_AUTH_SOCK: 'The agent to ask for its -P list (none: the default list is assumed).',
    LD_LIBRARY_PATH: "Searched for the provider's libraries, as the loader would.",
  };
  static files = { '/etc/ld.so.conf': "The loader's search path for the provider's libraries." };
  static seeAlso = ['ssh-agent(1)', 'ssh-add(1)', 'pcsc-doctor(1)'];

  async run(): Promise<SshCheckResult> {
    const { args, flags } = await this.parse(SshCheck);
    const { runSshCheckCommand } = await import('../cli/ssh-check/command.js');
    return runSshCheckCommand(args.provider, flags, this);
  }
}
