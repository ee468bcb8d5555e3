// `pcsc udev-check`: each USB reader's device node and the udev lines that set it; prints or writes a rule.
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { socketFlag } from '../cli/flags.js';
import type { UdevCheckResult } from '../core/doctor/index.js';

export default class UdevCheck extends BaseCommand {
  static override summary = "Check each USB reader's device node and the udev rule that sets it";
  static override description = `For every USB smart card reader: VID:PID, name, bus path, the device node's owner, group and mode, the rules file and line that set them, and whether pcscd can open it. --print-rule prints a udev rule for readers that lack one; --write writes it (atomically, never over an existing file without --force).

Exit status: 0 when no check failed, 1 when one did. Nothing is written unless --write is given.`;

  static override examples = [
    '<%= config.bin %> udev-check',
    '<%= config.bin %> udev-check --print-rule',
    'sudo <%= config.bin %> udev-check --write /etc/udev/rules.d/93-pcsc-readers.rules',
    '<%= config.bin %> udev-check --json',
  ];

  static override flags = {
    'print-rule': Flags.boolean({ description: 'print a udev rule giving readers without one to group pcscd' }),
    write: Flags.string({
      description:
        'write that rule to FILE, a *.rules file in a udev rules directory (atomically; never over anything but a regular file)',
      helpValue: 'FILE',
    }),
    force: Flags.boolean({
      description: 'with --write: replace FILE if it exists, or write it outside the rules directories',
      dependsOn: ['write'],
    }),
    verbose: Flags.boolean({ char: 'v', description: 'show the details of every check' }),
    socket: socketFlag,
    root: Flags.string({ description: 'read the system under this directory instead of /', hidden: true }),
  };

  static exitCodes = {
    0: 'no check failed',
    1: 'a check failed or had an error',
    2: 'usage error, or --write cannot or must not write FILE (not *.rules, not a regular file, outside the rules directories without --force)',
    130: 'interrupted',
  };
  static files = {
    '/etc/udev/rules.d, /usr/lib/udev/rules.d': 'The udev rules, read in the order udev applies them.',
    '/sys/bus/usb/devices': 'The USB devices and their interfaces.',
    '/dev/bus/usb': "The readers' device nodes.",
  };
  static seeAlso = ['pcsc-doctor(1)', 'udev(7)', 'udevadm(8)', 'pcscd(8)'];

  async run(): Promise<UdevCheckResult> {
    const { flags } = await this.parse(UdevCheck);
    const { runUdevCheckCommand } = await import('../cli/udev-check/command.js');
    return runUdevCheckCommand(flags, this);
  }
}
