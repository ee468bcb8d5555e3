import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { backendFlag, fastInteger, readerFlag, socketFlag } from '../cli/flags.js';
import type { ScanResult } from '../cli/scan/result.js';

export default class Scan extends BaseCommand {
  static override summary = 'List readers, and watch cards and readers come and go';
  static override description = `Like pcsc_scan, with the same one-letter flags. Watch mode (the default) prints every card and reader event with a timestamp; --json prints one JSON object per event (NDJSON). If pcscd goes away it waits for it, then reports what changed meanwhile. See docs/scan.md for the JSON shapes.`;
  static override examples = [
    '<%= config.bin %> scan',
    '<%= config.bin %> scan -r',
    '<%= config.bin %> scan -c --json',
    '<%= config.bin %> scan --json --count 2',
    'ATR=$(<%= config.bin %> scan --wait-card -t 30)',
  ];
  static override flags = {
    readers: Flags.boolean({
      char: 'r',
      description: 'list readers and exit',
      exclusive: ['cards', 'wait-card', 'stress'],
    }),
    cards: Flags.boolean({
      char: 'c',
      description: 'list readers with their card state and ATR, and exit',
      exclusive: ['wait-card', 'stress'],
    }),
    'no-analysis': Flags.boolean({ char: 'n', description: 'no ATR analysis and no names from the ATR list' }),
    time: fastInteger(
      Flags.integer({
        char: 't',
        description: 'quit after SECONDS (with --wait-card: give up, exit 5); 0: no limit, as in pcsc_scan',
        min: 0,
        helpValue: 'SECONDS',
      }),
    ),
    stress: Flags.boolean({
      char: 's',
      description: 'stress mode: repeated SELECT MF on each card, APDU/s',
      exclusive: ['wait-card'],
    }),
    debug: Flags.boolean({
      char: 'd',
      description: "print each reader's state transition, every flag and the event number",
    }),
    pnp: Flags.boolean({
      char: 'p',
      description: 'use the \\\\?PnP?\\Notification pseudo-reader even if the probe says no',
    }),
    reader: readerFlag,
    'wait-card': Flags.boolean({
      description:
        'wait until a card is present, print its ATR and exit 0 (cards in several readers: pick one with --reader)',
    }),
    count: fastInteger(
      Flags.integer({ description: 'stop after N changes (card or reader events)', min: 1, helpValue: 'N' }),
    ),
    socket: socketFlag,
    backend: backendFlag,
  };

  static seeAlso = ['pcsc-atr(1)', 'pcsc_scan(1)', 'pcscd(8)'];
  static environment = { XDG_CACHE_HOME: 'Where the ATR list is looked for first (see pcsc-atr(1)); -n skips it.' };
  static files = {
    '$XDG_CACHE_HOME/smartcard_list.txt, ~/.smartcard_list.txt, /usr/local/pcsc/smartcard_list.txt, /usr/share/pcsc/smartcard_list.txt, /usr/local/share/pcsc/smartcard_list.txt':
      'The ATR list that names cards, searched as pcsc atr does (pcsc-atr(1)); the first non-empty file is used.',
  };

  /** Watch mode streams NDJSON: a final object (an error) must be one line too. */
  private streaming = false;

  streamJson(): void {
    this.streaming = true;
  }

  override logJson(json: unknown): void {
    if (this.streaming) process.stdout.write(JSON.stringify(json) + '\n');
    else super.logJson(json);
  }

  async run(): Promise<ScanResult> {
    const { flags } = await this.parse(Scan);
    // Each branch's body is a module of its own, shared with the fast path (src/cli/fast.ts).
    if (flags.readers) return (await import('../cli/scan/readers-command.js')).runReaders(flags, this);
    if (flags.cards) return (await import('../cli/scan/cards-command.js')).runCards(flags, this);
    const watch = await import('../cli/scan/watch-command.js');
    if (flags['wait-card']) return watch.runWaitCard(flags, this);
    await watch.runWatchMode(flags, this);
    return undefined;
  }
}
