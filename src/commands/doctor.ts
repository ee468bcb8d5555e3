// `pcsc doctor`: runs the diagnostics engine's checks and prints the grouped checklist (or --list, --json).
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { socketFlag } from '../cli/flags.js';
import type { DoctorCheckList, DoctorReport } from '../core/doctor/index.js';

export default class Doctor extends BaseCommand {
  static override summary = "Find why smart cards don't work, and print the fix";
  static override description = `Checks pcscd, its protocol version and the client libraries, sandboxes, polkit, USB readers and their udev rules, reader drivers and GnuPG's scdaemon. Every failure says what is wrong, why it matters and the exact commands that fix it.

Exit status: 0 when no check failed (warnings included), 1 when a check failed or had an error. See docs/doctor.md for every check.`;

  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --verbose',
    '<%= config.bin %> doctor pcscd.protocol libpcsclite.version',
    '<%= config.bin %> doctor --list',
    '<%= config.bin %> doctor --json',
  ];

  static override strict = false;
  /** `pcsc completion` offers the check ids and categories for the arguments, the categories for --category. */
  static completeArgs = 'checks';
  static completeFlags = { category: 'categories' };
  static override args = {
    ids: Args.string({
      description: 'check ids or categories to run (default: all; see --list); their dependencies run too',
    }),
  };
  static override flags = {
    list: Flags.boolean({ description: 'list the checks and exit' }),
    verbose: Flags.boolean({ char: 'v', description: 'show the details of every check, not only of problems' }),
    category: Flags.string({
      description: 'run only the checks of this category (repeatable)',
      multiple: true,
      helpValue: 'NAME',
    }),
    socket: socketFlag,
    root: Flags.string({
      description: 'read the system under this directory instead of / (a mounted image, a test tree)',
      hidden: true,
    }),
  };

  static exitCodes = {
    0: 'no check failed (warnings allowed)',
    1: 'a check failed or had an error',
    2: 'usage error (unknown check id or category)',
    130: 'interrupted',
  };
  static seeAlso = ['pcsc-udev-check(1)', 'pcsc-ssh-check(1)', 'pcscd(8)', 'udevadm(8)'];

  async run(): Promise<DoctorReport | DoctorCheckList> {
    const { flags, argv } = await this.parse(Doctor);
    const { runDoctorCommand } = await import('../cli/doctor/command.js');
    return runDoctorCommand(flags, argv as string[], this);
  }
}
