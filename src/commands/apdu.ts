// `pcsc apdu`: flags → APDUs → run on the card → pure renderers; the typed result is the --json output.
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import type { ApduResult } from '../cli/apdu/result.js';
import { BaseCommand } from '../cli/base.js';
import { backendFlag, readerFlag, socketFlag } from '../cli/flags.js';

export default class Apdu extends BaseCommand {
  static override summary = 'Send APDUs to a card: from arguments, a script file, stdin, or a prompt';
  static override description =
    "Takes hex with or without spaces, colons or 0x, and scriptor's script format. Fetches 61xx answers with GET RESPONSE and re-sends 6Cxx with the right Le (unless --raw). HEX=SW expects a status (9000, 61XX, 6XXX); a mismatch stops with exit code 1. PINs and keys (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, ENABLE/DISABLE VERIFICATION REQUIREMENT, …) are masked everywhere unless --show-secrets.\n\nOn a terminal with no APDUs (or with -f -), it is interactive, as scriptor is: a prompt, and each line (the script syntax, =SW included) is sent and answered at once; Up and Down recall earlier lines (kept in $XDG_STATE_HOME/pcsc/apdu_history, never a line with a PIN or a key); Ctrl-C cancels the line, twice on an empty line leaves (exit 130); exit or Ctrl-D leaves (exit 0). Files and pipes are checked whole before the first APDU is sent. See docs/apdu.md.";
  static override examples = [
    '<%= config.bin %> apdu 00A4040007A0000002471001 00CA006E00',
    '<%= config.bin %> apdu                    # on a terminal: a prompt, each line sent at once',
    '<%= config.bin %> apdu --select A000000308 "00 CB 3F FF 05 5C 03 5F C1 02 00=9000"',
    '<%= config.bin %> apdu -f script.apdu --json',
    '<%= config.bin %> apdu --repeat 20000 00B0000010',
    '<%= config.bin %> apdu --control features',
  ];
  static environment = {
    XDG_STATE_HOME: 'Where the interactive history is kept (pcsc/apdu_history; default ~/.local/state).',
  };
  static files = {
    '$XDG_STATE_HOME/pcsc/apdu_history':
      'The lines typed at the interactive prompt (mode 0600), without those holding a PIN or a key; delete it to forget them.',
  };
  static override strict = false;
  // ignoreStdin: oclif would otherwise read a piped script as the first argument.
  static override args = {
    apdu: Args.string({
      description: 'APDUs in hex, each optionally followed by =SW (with --control: the control data)',
      ignoreStdin: true,
    }),
  };
  static override flags = {
    file: Flags.string({ char: 'f', description: 'read a script (scriptor format; - for stdin)', helpValue: 'FILE' }),
    select: Flags.string({ description: 'send SELECT by this AID first', helpValue: 'AID' }),
    reader: readerFlag,
    socket: socketFlag,
    backend: backendFlag,
    share: Flags.string({
      description: 'share mode (default: shared; direct for --control)',
      options: ['shared', 'exclusive', 'direct'],
    }),
    protocol: Flags.string({ char: 'p', description: 'card protocol', options: ['T=0', 'T=1', 'any'], default: 'any' }),
    transaction: Flags.boolean({
      description: 'run the whole script in one PC/SC transaction (--no-transaction: none)',
      default: true,
      allowNo: true,
    }),
    control: Flags.string({
      description: 'send SCardControl instead of APDUs: features, 0xCODE or a function number',
      helpValue: 'CODE',
      exclusive: ['file', 'select', 'repeat'],
    }),
    raw: Flags.boolean({ description: 'no automatic GET RESPONSE (61xx) or Le correction (6Cxx)' }),
    validate: Flags.boolean({
      description: 'check APDUs against the ISO 7816-4 cases (--no-validate sends any bytes)',
      default: true,
      allowNo: true,
    }),
    timing: Flags.boolean({ description: 'show how long each exchange took' }),
    'data-only': Flags.boolean({
      description: 'print only response data as hex, one line per APDU',
      exclusive: ['json', 'timing'],
    }),
    repeat: Flags.integer({ description: 'send the APDUs N times and print a summary', min: 1, helpValue: 'N' }),
    'show-secrets': Flags.boolean({
      description: 'show the PINs and keys of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, … (docs/apdu.md)',
    }),
  };

  async run(): Promise<ApduResult | undefined> {
    const { raw, flags } = await this.parse(Apdu);
    // Not `argv`: oclif 4 reorders repeated values there ("a b a" → "a a b"), and order matters.
    const args = raw.filter((t) => t.type === 'arg').map((t) => t.input);
    const { prepare } = await import('../cli/apdu/options.js');
    const { runApdu } = await import('../cli/apdu/run.js');
    const render = await import('../cli/apdu/render.js');
    const { makeStyle, useColor } = await import('../cli/style.js');
    const { settle } = await import('../cli/apdu/settle.js');
    const json = this.jsonEnabled();
    const quiet = json || flags['data-only'] || flags.repeat !== undefined;
    const ro = { timing: flags.timing, showSecrets: flags['show-secrets'], style: makeStyle(useColor()) };
    // On a terminal with no APDUs (or -f - on a terminal): the interactive prompt.
    const interactive =
      args.length === 0 &&
      flags.control === undefined &&
      (flags.file === undefined || flags.file === '-') &&
      Boolean(process.stdin.isTTY);
    if (interactive && (json || flags.repeat !== undefined)) {
      const { UsageError } = await import('../core/index.js');
      throw new UsageError(
        `${json ? '--json' : '--repeat'} needs APDUs: give them as arguments, with -f FILE or on stdin (on a terminal without them, pcsc apdu is interactive)`,
        'EUSAGE',
      );
    }
    const opts = await prepare(flags, args, process.stdin, this.signal, interactive);
    if (interactive) {
      const { runInteractive } = await import('../cli/apdu/interactive.js');
      const { historyPath } = await import('../cli/apdu/history.js');
      const code = await runInteractive({
        prepared: opts,
        validate: flags.validate,
        render: ro,
        dataOnly: flags['data-only'],
        signal: this.signal,
        input: process.stdin,
        output: process.stdout,
        log: (l) => this.log(l),
        error: (l) => this.logToStderr(l),
        historyFile: historyPath(),
      });
      process.exitCode = this.signalExitCode ?? code;
      return undefined;
    }
    // `pcsc apdu … | head -1`: once the reader of our output is gone, send nothing more.
    const { onStdoutClosed } = await import('../cli/stdout-closed.js');
    const piped = new AbortController();
    const offClosed = onStdoutClosed(() => piped.abort());
    let run: Awaited<ReturnType<typeof runApdu>> | null = null;
    try {
      run = await runApdu({
        ...opts,
        signal: AbortSignal.any([this.signal, piped.signal]),
        // As opensc-tool -s: say which reader was taken when none was named.
        onReaderWithCard: (name) => {
          if (!json) this.logToStderr(`Using reader with a card: ${name}`);
        },
        onConnect: (h) => {
          if (!quiet) this.logToStderr(render.renderHeader(h, ro.style));
        },
        onRecord: (r) => {
          if (flags['data-only']) {
            const line = render.renderDataOnly(r);
            if (line !== null) this.log(line);
          } else if (!quiet) for (const l of render.renderRecord(r, ro)) this.log(l);
        },
      });
    } catch (e) {
      if (!piped.signal.aborted) throw e;
    } finally {
      offClosed();
    }
    // A filter whose reader left stops quietly (exit 0), as `scan` and `spy` do.
    if (!run || piped.signal.aborted) return run?.result;
    const end = settle(run, { ...ro, json, dataOnly: flags['data-only'], repeat: flags.repeat });
    for (const l of end.stdout) this.log(l);
    if (end.rethrow) throw end.rethrow;
    if (end.stderr) this.logToStderr(`pcsc: ${end.stderr}`);
    if (end.error) run.result.error = end.error;
    if (end.exitCode) process.exitCode = end.exitCode;
    if (this.signalExitCode !== undefined) process.exitCode = this.signalExitCode;
    return run.result;
  }
}
